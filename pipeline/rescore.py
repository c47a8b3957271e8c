"""`python -m pipeline.rescore RUN ...`: runs scored again externally (`pipeline.cli.rescore`)."""

from pipeline.cli.rescore import main

if __name__ == "__main__":
    raise SystemExit(main())
