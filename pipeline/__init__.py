"""Sentence-level discourse roles in news: split, label, train, evaluate."""

__version__ = "0.1.0"
