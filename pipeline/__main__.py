"""`python -m pipeline`: split -> label -> train -> evaluate.

The Hydra app in `pipeline.cli.main`.
"""

from pipeline.cli.main import cli

if __name__ == "__main__":
    cli()
