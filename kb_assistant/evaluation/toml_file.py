"""Read an evaluation data file (ablations, fitting grid) as TOML with errors that name the file."""

from __future__ import annotations

import tomllib
from pathlib import Path


def read_toml(path: Path, what: str, error: type[ValueError]) -> dict:
    """The parsed file; ``error`` ("<path>: <what> not found" / "not valid TOML") otherwise."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise error(f"{path}: {what} not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML ({exc})") from exc
