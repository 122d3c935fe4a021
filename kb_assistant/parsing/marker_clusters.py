"""Columns of ayat markers the scan dropped into the middle of a Pasal's text.

Why: PP 11/2017 prints each Pasal's ayat numbers as a column beside the text; its OCR reads the
column into the running text as a cluster of misread markers, often with the next ayat's first
word echoed inside it: "… yang diperlukan. (2) (s) (4) Hak. 14) (5) Hak atas cuti sakit …". The
strict marker runs of :mod:`.pasal` miss such clusters ("(s)", "14)", "(2t", "('2],", "(.5)"), so
the Pasal kept the garbage in its text and quotes, and the ayat restorer found no clean sentences.
A cluster here is marker-like tokens with at least one well-formed "(N)": three or more around an
echoed word that the text then repeats (the marker printed just before the echo is kept), two or
more before the text's next word (the last one, if well formed, is kept) or after its last
sentence. The other markers carry no reliable numbers; the sentences do (:mod:`.ayat_restore`).
"""

from __future__ import annotations

import re

# A marker as the OCR misreads it: "(2)", "(21", "(2t", "(s)", "(l)", "(.5)", "('2],", "14)", "t7)".
LOOSE = r"(?:\(\s?['.]?[0-9lIsS]{1,2}\s?[)\]t1]?,?|[t1]\d\))"
STRICT = re.compile(r"\(\d{1,2}\)")
_RUN = rf"(?:{LOOSE}\s+)+"
# markers, the echoed first word (with a stray full stop), markers, then the word again; the marker
# printed just before the echoed word is the ayat's own
ECHOED = re.compile(
    rf"(?<!ayat )(?<![\w(])(?P<cluster>(?:{LOOSE}\s+)*?(?P<own>{LOOSE})\s+(?P<word>[A-Z][a-z]+)\.?\s+{_RUN})(?=(?P=word)\b)"
)
# two or more markers before the next ayat's text: the last well-formed marker, if any, is its own
BEFORE_TEXT = re.compile(rf"(?<=[.;:])\s+(?P<cluster>(?:{LOOSE}\s+){{2,}})(?=[A-Z])")
# two or more markers after the Pasal's (or a line's) last sentence
TRAILING = re.compile(rf"(?<=[.;:])(?P<cluster>(?:\s+{LOOSE}){{2,}})\s*$", re.MULTILINE)


def drop_marker_clusters(text: str) -> tuple[str, list[str]]:
    """``text`` without its marker clusters, and the clusters dropped (for the parse warnings).
    A run counts as a cluster only when at least one of its markers is a well-formed "(N)"."""
    dropped: list[str] = []

    def drop(match: re.Match, keep: str = "", least: int = 2) -> str:
        cluster = match.group("cluster")
        if len(STRICT.findall(cluster)) < 1 or len(re.findall(LOOSE, cluster)) < least:
            return match.group(0)
        dropped.append(" ".join(cluster.split()))
        return match.group(0).replace(cluster, keep)

    # "(2) Pejabat (3) Pejabat …" (two markers) stays: whether the text is ayat 2's or 3's is undecidable
    text = ECHOED.sub(lambda m: drop(m, _own_marker(m.group("own")), least=3), text)
    text = BEFORE_TEXT.sub(lambda m: drop(m, " " + _own_marker(m.group("cluster"))), text)
    text = TRAILING.sub(drop, text)
    return text, dropped


def _own_marker(cluster: str) -> str:
    """The cluster's last token when it is a well-formed "(N) ": the marker printed beside the text."""
    last = cluster.split()[-1]
    return f"{last} " if STRICT.fullmatch(last) else ""
