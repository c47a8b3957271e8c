"""User-facing errors: one line, no traceback."""


class PipelineError(Exception):
    """A problem with the user's input or configuration, reported as one line."""
