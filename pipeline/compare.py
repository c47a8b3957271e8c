"""`python -m pipeline.compare`: compare runs (`pipeline.cli.compare`)."""

from pipeline.cli.compare import main

if __name__ == "__main__":
    raise SystemExit(main())
