"""User-facing errors: one line, no traceback (unless `PIPELINE_DEBUG=1` asks for it)."""

import argparse
import os
import signal
import sys
from collections.abc import Callable

DEBUG_ENV = "PIPELINE_DEBUG"
DEBUG_HINT = f"{DEBUG_ENV}=1 shows the traceback"


class PipelineError(Exception):
    """A problem with the user's input or configuration, reported as one line."""


class Pruned(Exception):
    """A run stopped early by a tuner: its intermediate dev score was not promising."""


def debug_enabled() -> bool:
    """True when `PIPELINE_DEBUG` is set to anything but empty or 0.

    Errors then show their traceback.
    """
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


def one_line(text: str) -> str:
    """A message on one line: line breaks and the white space around them become '; '."""
    return "; ".join(part.strip() for part in str(text).splitlines() if part.strip())


def exit_code(action: Callable[[], object]) -> int:
    """Run a command's body and return its exit code, telling any failure in one `error:` line.

    0 on success; 2 for a PipelineError (bad input or config); 130 when interrupted (Ctrl-C,
    SIGTERM); 1 for anything unexpected. With `PIPELINE_DEBUG=1` failures raise, with their
    traceback. A closed output pipe (`... | head`) ends quietly.
    """
    try:
        action()
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's final flush
    except (KeyboardInterrupt, Exception) as err:
        if debug_enabled():
            raise
        return report(err)
    return 0


def report(err: BaseException) -> int:
    """Print the one-line message for `err` and return its exit code."""
    if isinstance(err, PipelineError):
        print(f"error: {one_line(err)}", file=sys.stderr)
        return 2
    if isinstance(err, KeyboardInterrupt):
        print("error: interrupted", file=sys.stderr)
        return 130
    print(
        f"error: unexpected {type(err).__name__}: {one_line(err)} ({DEBUG_HINT})", file=sys.stderr
    )
    return 1


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def interrupt_on_sigterm() -> None:
    """SIGTERM (a scheduler or `kill` stopping the job) ends a command like Ctrl-C: its `finally`
    blocks run (a run is marked interrupted, temporary files are removed) and it exits with code
    130."""
    signal.signal(signal.SIGTERM, _interrupt)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: `error: <what is wrong> (see --help)`, exit 2."""

    def error(self, message: str):
        print(f"error: {one_line(message)} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)
