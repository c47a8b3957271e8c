"""Evaluation: metrics, statistical tests, external evaluations and the HTML report."""
