"""How a unit is cited: the one format of every label the index stores and every answer shows.

It lives with the index because the index stores it on each node; the answerer, the evaluation
and the app read it from there.
"""

from __future__ import annotations


def citation_label(doc_name: str, pasal: str | None, ayat: str | None = None, item: str | None = None) -> str:
    """'UU 20/2023 Pasal 4 ayat (2) huruf g' from its parts."""
    if not pasal:
        return doc_name
    label = f"{doc_name} Pasal {pasal}"
    if ayat:
        label += f" ayat ({ayat})"
    if item:
        label += f" huruf {item}" if item.isalpha() else f" angka {item}"
    return label
