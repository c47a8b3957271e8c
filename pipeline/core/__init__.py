"""Core: the label contract, errors, safe file I/O, registries and plain-dict config helpers."""
