"""`python -m pipeline.annotate`: export, import and compare annotation batches.

The command line is in `pipeline.cli.annotate`.
"""

from pipeline.cli.annotate import main

if __name__ == "__main__":
    raise SystemExit(main())
