"""User-facing errors: one line, no traceback."""

import os
import sys
from collections.abc import Callable


class PipelineError(Exception):
    """A problem with the user's input or configuration, reported as one line."""


def exit_code(action: Callable[[], object]) -> int:
    """Run a command's body: 0 on success; a PipelineError becomes one `error:` line and exit 2.

    A closed output pipe (`... | head`) ends quietly.
    """
    try:
        action()
    except PipelineError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's final flush
    return 0
