"""Command lines: `python -m pipeline` (Hydra), predict, compare, annotate and the LF report."""
