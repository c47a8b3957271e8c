"""Data: corpora and their loaders, standoff gold annotations, labelled rows and held-out splits."""
