"""Hand-written vocabulary tables, kept as data files that record each entry's source.

Every table lives in ``retrieval/data/*.toml`` as lists of ``{pattern, source}`` entries (the
analyser's word lists, shared with indexing, in ``indexing/data/word_lists.toml``); the code never
embeds vocabulary, so what the assistant knows beyond the corpus is auditable.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"


@lru_cache(maxsize=None)
def load_table(name: str) -> dict[str, list[dict[str, str]]]:
    """The raw entries of ``data/<name>.toml``, grouped by list name."""
    with (DATA_DIR / f"{name}.toml").open("rb") as handle:
        return tomllib.load(handle)


@lru_cache(maxsize=None)
def patterns(name: str, group: str) -> tuple[re.Pattern, ...]:
    """The compiled, case-insensitive patterns of one list of a table."""
    return tuple(re.compile(entry["pattern"], re.IGNORECASE) for entry in load_table(name).get(group, []))


def table_names() -> list[str]:
    return sorted(path.stem for path in DATA_DIR.glob("*.toml"))
