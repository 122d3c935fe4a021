"""Raw text out of a source file, page by page, or one clear refusal.

PDFs keep their real (1-based) page numbers; their running heads, page numbers and broken words
are repaired here (parsing/layout.py). Markdown/text files converted from OCR carry the
printed page numbers of the scan ("-5-" under the "PRESIDEN / REPUBLIK INDONESIA" header, or
"_12_" inline); the text is split there so a Pasal can still be cited with its page.
"""

from __future__ import annotations

import io
import logging
import re
from contextlib import contextmanager
from pathlib import Path

from kb_assistant.parsing.columns import page_text
from kb_assistant.parsing.layout import repair_pdf_pages
from kb_assistant.parsing.tree import Page

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES

# A scan whose text layer holds fewer alphanumeric characters than this per page is "textless".
MIN_ALNUM_PER_PAGE = 16

# Printed page number: "-5-", "- 11-", "_25_", "-t7-" (OCR t/l/I for 1, O for 0), alone on a line
# or standing between spaces inside a line ("-2t-Paragraf 6" also occurs at a line start). At
# least one real digit, so "- i -" or "-l-" in ordinary text is no page break.
PAGE_MARKER = re.compile(r"(?<!\S)[-_—]\s?((?=[^\s]*\d)[0-9tlLIiOor|]{1,3})\s?[-_—](?![a-z0-9])")
PAGE_DIGITS = str.maketrans({"t": "1", "l": "1", "L": "1", "I": "1", "i": "1", "r": "1", "|": "1", "O": "0", "o": "0"})
MAX_PAGE_JUMP = 30  # sources that print only some page numbers jump far


class ExtractionError(ValueError):
    """A file that cannot be turned into text; ``str()`` is one line: '<file>: <reason>'."""

    def __init__(self, path: Path | str, reason: str):
        self.file = Path(path).name
        self.reason = " ".join(reason.split())
        super().__init__(f"{self.file}: {self.reason}")


def extract_pages(path: Path, max_bytes: int) -> list[Page]:
    """Pages of a .pdf/.md/.txt file; raises ExtractionError for anything that cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(none)"
        raise ExtractionError(path, f"unsupported file type '{shown}'; use .pdf, .md or .txt")
    if not path.is_file():
        raise ExtractionError(path, "file not found")
    size = path.stat().st_size
    if size == 0:
        raise ExtractionError(path, "file is empty")
    if size > max_bytes:
        raise ExtractionError(path, f"file is {_human(size)}, over the {_human(max_bytes)} limit")
    data = path.read_bytes()
    if suffix in PDF_SUFFIXES:
        return _pdf_pages(path, data)
    text = _decode(data)
    if not text.strip():
        raise ExtractionError(path, "file is empty (only whitespace)")
    return split_marked_pages(text)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} kB"
    return f"{size} bytes"


@contextmanager
def _quiet_pypdf():
    """pypdf logs a warning per recoverable defect; the refusal message is the one that matters."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _pdf_pages(path: Path, data: bytes) -> list[Page]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if b"%PDF-" not in data[:1024]:
        raise ExtractionError(path, "not a PDF file (no %PDF header)")
    if b"%%EOF" not in data[-2048:]:
        raise ExtractionError(path, "PDF is corrupt or truncated (no %%EOF end marker)")
    try:
        with _quiet_pypdf():
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except (PyPdfError, NotImplementedError) as exc:
                    raise ExtractionError(path, f"PDF is encrypted and cannot be opened ({_one_line(exc)})") from exc
                if not opened:
                    raise ExtractionError(path, "PDF is encrypted with a password; save an unprotected copy first")
            texts = [page_text(page) for page in reader.pages]
    except ExtractionError:
        raise
    except Exception as exc:  # pypdf raises many types (PdfReadError, KeyError, ValueError...) on bad files
        raise ExtractionError(path, f"PDF is corrupt or truncated ({type(exc).__name__}: {_one_line(exc)})") from exc
    if not texts:
        raise ExtractionError(path, "PDF has no pages")
    alnum = sum(sum(ch.isalnum() for ch in text) for text in texts)
    if alnum < MIN_ALNUM_PER_PAGE * len(texts):
        _refuse_if_damaged(path, data)
        raise ExtractionError(path, "PDF has no text layer (scanned?); OCR it first")
    return repair_pdf_pages([Page(number=i, text=text) for i, text in enumerate(texts, start=1)])


def _refuse_if_damaged(path: Path, data: bytes) -> None:
    """pypdf repairs a damaged file silently and then finds no text; read it strictly to tell
    a corrupt file from a scan."""
    from pypdf import PdfReader

    try:
        with _quiet_pypdf():
            reader = PdfReader(io.BytesIO(data), strict=True)
            if reader.is_encrypted:
                reader.decrypt("")
            for page in reader.pages:
                page.extract_text()
    except Exception as exc:  # any strict-mode failure means the file itself is damaged
        raise ExtractionError(path, f"PDF is corrupt or truncated ({type(exc).__name__}: {_one_line(exc)})") from exc


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:160] or type(exc).__name__


def page_number(token: str) -> int | None:
    """'t7' -> 17, '2O' -> 20; None when the token is not a number even after OCR repair."""
    digits = token.translate(PAGE_DIGITS)
    return int(digits) if digits.isdigit() else None


def split_marked_pages(text: str) -> list[Page]:
    """Split OCR text at its printed page numbers; one unnumbered page when there are none.

    A marker is accepted only when it continues the sequence (a small step up from the previous
    page, or a restart at 2 where the Penjelasan begins its own numbering), so a stray "- 3 -"
    in the text cannot move the page count.
    """
    cuts: list[tuple[int, int, int]] = []  # (start, end, page number)
    previous: int | None = None
    for match in PAGE_MARKER.finditer(text):
        number = page_number(match.group(1))
        if number is None or not _continues(previous, number):
            continue
        cuts.append((match.start(), match.end(), number))
        previous = number
    if not cuts:
        return [Page(number=None, text=text)]
    pages: list[Page] = []
    first = cuts[0][2]
    head = text[: cuts[0][0]]
    if head.strip():
        pages.append(Page(number=1 if first == 2 else None, text=head, line=1))
    for i, (_, end, number) in enumerate(cuts):
        following = cuts[i + 1][2] if i + 1 < len(cuts) else None
        stop = cuts[i + 1][0] if i + 1 < len(cuts) else len(text)
        # Between "-19-" and "-26-" the page breaks are invisible: the text is on one of pages
        # 19-25, so no single number is claimed for it.
        # The last span (and the one before a restart) is trusted only where numbering is dense.
        preceding = cuts[i - 1][2] if i else None
        ends_run = following is None or following < number
        known = following == number + 1 or (ends_run and preceding == number - 1)
        pages.append(Page(number=number if known else None, text=text[end:stop], line=text.count("\n", 0, end) + 1))
    return pages


def _continues(previous: int | None, number: int) -> bool:
    if previous is None:
        return 1 <= number <= MAX_PAGE_JUMP
    return previous < number <= previous + MAX_PAGE_JUMP or (number < previous - 20 and number <= 20)
