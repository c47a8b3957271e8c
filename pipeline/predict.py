"""`python -m pipeline.predict`: label new text with a finished run (`pipeline.cli.predict`)."""

from pipeline.cli.predict import cli

if __name__ == "__main__":
    cli()
