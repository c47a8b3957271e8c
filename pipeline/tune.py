"""`python -m pipeline.tune`: Optuna search with pruning (`pipeline.cli.tune`)."""

from pipeline.cli.tune import main

if __name__ == "__main__":
    raise SystemExit(main())
