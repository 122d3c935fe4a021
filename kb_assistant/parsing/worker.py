"""The parse worker: ``python -m kb_assistant.parsing.worker`` < request > result.

Reads a pickled (module, function name, args) from stdin, calls it, and writes a pickled
("ok", result) or ("error", (module, class, args, state, message)) to stdout. Exceptions are sent
as values because one with a custom ``__init__`` (ExtractionError) does not unpickle as itself.
Anything the parser prints goes to stderr, so it cannot corrupt the reply.
"""

from __future__ import annotations

import importlib
import os
import pickle
import sys


def _picklable(value) -> bool:
    try:
        pickle.dumps(value)
        return True
    except Exception:
        return False


def call(module: str, qualname: str, args: tuple):
    """("ok", value) or ("error", description of the exception)."""
    try:
        target = importlib.import_module(module)
        for part in qualname.split("."):
            target = getattr(target, part)
        return "ok", target(*args)
    except Exception as exc:
        cls = type(exc)
        state = {k: v for k, v in vars(exc).items() if _picklable(v)}
        return "error", (cls.__module__, cls.__qualname__, [str(a) for a in exc.args], state, str(exc))


def main() -> None:
    reply = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints go to stderr
    module, qualname, args = pickle.loads(sys.stdin.buffer.read())
    reply.write(pickle.dumps(call(module, qualname, args), protocol=pickle.HIGHEST_PROTOCOL))
    reply.flush()


if __name__ == "__main__":
    main()
