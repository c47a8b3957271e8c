"""`python -m pipeline.label report`: the labeling-function report (`pipeline.cli.label_report`)."""

from pipeline.cli.label_report import main

if __name__ == "__main__":
    raise SystemExit(main())
