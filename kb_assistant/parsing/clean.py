"""OCR repair for Indonesian regulation texts, conservative by design.

Each helper fixes one class of defect seen in scanned regulations (page headers and footers,
catch-words, mangled "Pasal" headings, broken ayat markers, misread years) and touches only
text in the position where that defect occurs, so that real sentences are left alone.
"""

from __future__ import annotations

import re
import unicodedata

from kb_assistant.parsing.numbers import repair_spelled_figures
from kb_assistant.parsing.ocr_words import repair_garbled_words, vocabulary
from kb_assistant.parsing.stamps import remove_sk_stamps
from kb_assistant.parsing.tree import Page

# --- page furniture -----------------------------------------------------------------------------

# "PRESIDEN" as the scan header prints it: PR.ES!DEN, PRES IOEN, PRE9IDET.I, FRESIDEN ...
_PRESIDEN = r"[PF]\s?R\s?\.?\s?E\s?[S9]\s?[I!1lT]\s?[DO0]\s?E\s?(?:N|T\.I)"
# "REPUBLIK": REPUBUK, REPUEUK, REFUBLIK, REPUBL|K, REPUBL]K, REPIIBLIK, REI'UBLIK, REPU BLIK ...
_REPUBLIK = r"RE\s?(?:[PF]|I')\s?(?:U|II)\s?[A-Z|!\]]{1,3}\s?K"
# "INDONESIA": INOONESIA, IHDONESIA, INIX)NESIA, IT.IDONESIA, tNDONESIA, INDONESTA ...
_INDONESIA = r"[I1lt][A-Z.)]{1,5}NES[IT]A"

PRESIDEN_LINE = re.compile(rf"^\s*{_PRESIDEN}\s*$")
REPUBLIK_LINE = re.compile(rf"^\s*(?:{_PRESIDEN}\s+)?{_REPUBLIK}\s+{_INDONESIA}\s*$")
HEADER_INLINE = re.compile(rf"{_PRESIDEN}\s+{_REPUBLIK}\s+{_INDONESIA}(?!\s*,)")
# Real text that contains the same words: "... dan PRESIDEN REPUBLIK INDONESIA", titles.
HEADER_KEEP_BEFORE = re.compile(r"(?:\bdan|PERATURAN|MAHA ESA)\s*$", re.IGNORECASE)
PAGE_NUMBER_LINE = re.compile(r"^\s*[-_—]\s?[0-9tlIiOor|]{1,3}\s?[-_—]\s*$")
PAGE_NUMBER_INLINE = re.compile(r"(?<!\S)(?:_\s?[0-9tlIiOor|]{1,3}\s?_|-\s?(?=[^\s-]*\d)[0-9tlIiOor|]{1,3}\s?-)(?!\S)")
SK_FOOTER_LINE = re.compile(r"^\s*SK\s*No\.?\s*[0-9lIO ]{3,}\s*[A-Z]?\s*$")
URL_LINE = re.compile(r"^\s*(?:https?://)?(?:www\.)?[\w.-]*\.go\.id\S*\s*$", re.IGNORECASE)
ELLIPSIS_END = re.compile(r"(?:\.\s?){3}\s*$|…\s*$")
LONE_KEYWORD_LINE = re.compile(r"^\s*(?:Bagian|Paragraf|Pasal|BAB)\s*(?:\.\s*)*$")
# Garuda emblem and stamp debris in PP scans: "#D", "{iD", '#",D', "$rB", "$-,D", "ni#" ...
# plus Markdown emphasis left without words ("_._", "__").
# Every alternative is unambiguous ("\.*_" takes the first underscore): "[_.]*_[_.]*" backtracked
# quadratically on a long run of underscores that ends in another character.
JUNK_TOKEN = re.compile(r"(?<!\S)(?:[-.]*[#{$][^\s]{0,4}|[qf]\"?[',]+D|\w{0,2}#|\.*_[_.]*)(?!\S)")

# --- structure words ----------------------------------------------------------------------------

# Fuzzy "Pasal": PasaI, Pasa1, Pasat, Pasa], PasaJ, Pasai, Pasil, Pasa-l, Pasa.l, Pasd, Pasad,
# and "Pasa7" glued to its number (l read as 7): "Pasa7123", or "Pasa77" alone on its line (Pasal 7).
_PASAL_WORD = r"(?<![A-Za-z])(?:[Pp]a[s5](?:a[lI1\]Jti]|a[-.]l|ad|il|d)|Pasa7(?=\d[0-9O]{1,2}\b)|Pasa7(?=[0-9O]{1,2}(?:\n|$)))"
_NUMBERISH = r"[0-9IlLiOoTtSr|\]]{1,4}"
PASAL_SPLIT_HEADING = re.compile(rf"^(\s*){_PASAL_WORD}\s*([0-9IlLOoT]{{1,3}})\s([0-9IlLOoT]{{1,2}})\s*$", re.MULTILINE)
# The same run into a line after the end of a sentence: "pelatihan. Pasal 2 I 1 Pengembangan ...".
PASAL_SPLIT_INLINE = re.compile(rf"(?<=[.;:] ){_PASAL_WORD}\s*([0-9IlLOoT]{{1,2}})\s([0-9IlLOoT]{{1,2}})(?:\s([0-9IlLOoT]))?(?=\s+(?:[A-Z][a-z]|[A-Z]{{2,}}\b|\(\d\)))")
PASAL_REFERENCE = re.compile(rf"{_PASAL_WORD}\s?({_NUMBERISH})([A-Z](?![A-Za-z]))?(?![A-Za-z0-9])")
PASAL_DIGITS = str.maketrans({"I": "1", "l": "1", "L": "1", "i": "1", "|": "1", "]": "1", "t": "1", "r": "1",
                              "O": "0", "o": "0", "T": "7", "S": "5"})

BAGIAN_WORD = re.compile(r"\b(?:Bag(?:r|t|)an|Bagian)\s+(?=Ke[a-z]{3,})")
BAGIAN_DOUBLED = re.compile(r"\bBagian\s+(?=Bagian\s+Ke)")
PARAGRAF_WORD = re.compile(r"\b(?:Paragra[fl]|Pengraf)\s?([0-9IlL]{1,2})\b")
BAB_WORD = re.compile(r"\bBAB\s?([IVXLxtl1]{1,6})(?=\s|\.|$)")

# --- ayat markers -------------------------------------------------------------------------------

# An OCR'd ayat marker: "(21" "(2t" "l2l" for (2), "(l)" "(t)" "(f)" "(U" for (1), "(s)" for (5).
_AYAT_FORMS = (
    r"(?:\((?P<d1>[2-9])[1tj]|l(?P<d2>[2-9])[lt]|\((?P<one>[ltfrU])\)|\((?P<five>[sS])\)|\((?P<lf>l)f|\(U|\((?P<d3>\d)\))"
)
# Where a marker may stand: at a line start or after the word "ayat" (safe), or after a sentence
# or a previous marker, but then only before a capitalised word ("(21 hari)" stays as it is).
AYAT_OCR_SAFE = re.compile(r"(?:(?<![^\n])|(?<=[Aa]yat )|(?<=[Aa]yat))" + _AYAT_FORMS + r"(?=[\s,.;:]|$)")
AYAT_OCR_AFTER_SENTENCE = re.compile(r"(?:(?<=\) )|(?<=[.;:] ))" + _AYAT_FORMS + r"(?=\s+[A-Z(]|\s*$)")
AYAT_A_FOR_4 = re.compile(r"(?<=[Aa]yat )\(a\)")
# "Pasal 5 (l) Daerah ...": a heading run into its first ayat, whose "1" the OCR read as a letter.
AYAT_ONE_AFTER_HEADING = re.compile(r"(\bPasal \d{1,3}[A-Z]? )\([ltfrU][)f]?(?=\s)")
AYAT_LA_LINE = re.compile(r"^lA(?=\s+[A-Z])", re.MULTILINE)

# --- numbers ------------------------------------------------------------------------------------

YEAR_OCR = re.compile(r"(?<![\w])([12L][0-9OolIS]{3})(?![\w])")
YEAR_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "L": "1", "S": "5"})

SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b]+")
BLANK_RUNS = re.compile(r"\n{3,}")


def normalize(text: str) -> str:
    """NFC, Unix newlines, no carets (the OCR marks word gaps with '^'), single spaces."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("^", "")
    return "\n".join(SPACES.sub(" ", line).strip() for line in text.split("\n"))


def _is_boundary(line: str) -> bool:
    return bool(
        PRESIDEN_LINE.match(line)
        or REPUBLIK_LINE.match(line)
        or PAGE_NUMBER_LINE.match(line)
        or SK_FOOTER_LINE.match(line)
        or URL_LINE.match(line)
    )


def remove_page_furniture(text: str) -> str:
    """Drop header/footer lines and the catch-words printed next to them.

    A header line is kept where it is real text: followed by a comma ("PRESIDEN REPUBLIK
    INDONESIA,") or after "dan" in the preamble. The catch-word is the line right after an
    "SK No" footer, or a line ending in "..." just before a header or footer.
    """
    lines = text.split("\n")
    drop = [False] * len(lines)
    for i, line in enumerate(lines):
        if not _is_boundary(line) or line.rstrip().endswith(","):
            continue
        before = _previous_text(lines, i)
        if (REPUBLIK_LINE.match(line) or PRESIDEN_LINE.match(line)) and HEADER_KEEP_BEFORE.search(before):
            continue
        drop[i] = True
    for i, line in enumerate(lines):
        j = i + 1
        if not SK_FOOTER_LINE.match(line) or j >= len(lines) or not lines[j].strip() or drop[j]:
            continue
        follower = lines[j + 1] if j + 1 < len(lines) else ""
        if ELLIPSIS_END.search(lines[j]) or not follower.strip() or drop[j + 1]:
            drop[j] = True
    for i, line in enumerate(lines):
        if drop[i] or not ELLIPSIS_END.search(line):
            continue
        after = _next_index(lines, i)
        if after is None or drop[after]:
            drop[i] = True
    for i, line in enumerate(lines):  # the blank line that separated a removed header goes too
        if not line.strip() and ((i and drop[i - 1]) or (i + 1 < len(lines) and drop[i + 1])):
            drop[i] = True
    return "\n".join(line for line, dropped in zip(lines, drop) if not dropped)


def _previous_text(lines: list[str], i: int) -> str:
    for j in range(i - 1, -1, -1):
        if lines[j].strip():
            return lines[j]
    return ""


def _next_index(lines: list[str], i: int) -> int | None:
    for j in range(i + 1, len(lines)):
        if lines[j].strip():
            return j
    return None


def remove_inline_headers(text: str) -> str:
    """Headers and page numbers that the OCR ran into a line of text."""

    def header(match: re.Match) -> str:
        before = text[max(0, match.start() - 12) : match.start()]
        return match.group(0) if HEADER_KEEP_BEFORE.search(before) else " "

    text = HEADER_INLINE.sub(header, text)
    return PAGE_NUMBER_INLINE.sub(" ", text)


def remove_junk_tokens(text: str) -> str:
    """Emblem and stamp debris ("#D", "{iD") and empty Markdown emphasis ("_._")."""
    return JUNK_TOKEN.sub(" ", text)


def remove_inline_furniture(text: str) -> str:
    """Stamps first: junk-token removal would take their "{" or "#" prefix and leave the rest."""
    return remove_junk_tokens(remove_inline_headers(remove_sk_stamps(text)))


def _pasal_number(token: str) -> str | None:
    """'1O' -> '10', 'T2' -> '72', '2OT' -> '207'; None for Roman numerals and words."""
    has_digit = any(ch.isdigit() for ch in token)
    if not has_digit and not (re.search(r"[Oo]", token) and re.search(r"[IlLi1|]", token)):
        return None
    digits = token.translate(PASAL_DIGITS)
    return str(int(digits)) if digits.isdigit() else None


def repair_pasal_numbers(text: str) -> str:
    """'Pasal I 1' -> 'Pasal 11' (heading lines only), 'PasaJ246' -> 'Pasal 246' everywhere.

    Roman numbers ("Pasal II" of an amending law) are left alone.
    """

    def split(match: re.Match) -> str:
        number = _pasal_number(match.group(2) + match.group(3))
        return f"{match.group(1)}Pasal {number}" if number else match.group(0)

    def fuzzy(match: re.Match) -> str:
        number = _pasal_number(match.group(1))
        if number is None:
            return match.group(0)
        return f"Pasal {number}{match.group(2) or ''}"

    def split_inline(match: re.Match) -> str:
        number = _pasal_number("".join(g for g in match.groups() if g))
        return f"Pasal {number}" if number else match.group(0)

    text = PASAL_SPLIT_HEADING.sub(split, text)
    text = PASAL_SPLIT_INLINE.sub(split_inline, text)
    return PASAL_REFERENCE.sub(fuzzy, text)


def repair_ayat_markers(text: str) -> str:
    """'(21' -> '(2)', 'l2l' -> '(2)', '(l)' -> '(1)', '(s)' -> '(5)', only where a marker stands."""

    def fix(match: re.Match) -> str:
        groups = match.groupdict()
        digit = groups["d1"] or groups["d2"] or groups["d3"]
        if digit:
            return f"({digit})"
        if groups["five"]:
            return "(5)"
        return "(1)"

    text = AYAT_OCR_SAFE.sub(fix, text)
    text = AYAT_OCR_AFTER_SENTENCE.sub(fix, text)
    text = AYAT_A_FOR_4.sub("(4)", text)
    text = AYAT_ONE_AFTER_HEADING.sub(r"\1(1)", text)
    return AYAT_LA_LINE.sub("(2)", text)


def repair_heading_words(text: str) -> str:
    """'Bagran Kesatu' -> 'Bagian Kesatu', 'Paragraf4' -> 'Paragraf 4', 'BABII' -> 'BAB II'."""
    text = BAGIAN_WORD.sub("Bagian ", text)
    text = BAGIAN_DOUBLED.sub("", text)
    text = PARAGRAF_WORD.sub(lambda m: f"Paragraf {m.group(1).translate(PASAL_DIGITS)}", text)
    return BAB_WORD.sub(lambda m: "BAB " + re.sub(r"[tl1]", "I", m.group(1)).upper(), text)


def repair_years(text: str) -> str:
    """'2Ol4' -> '2014', 'L945' -> '1945' (four-character tokens that read as 1900-2099)."""

    def fix(match: re.Match) -> str:
        token = match.group(1)
        if sum(ch.isdigit() for ch in token) < (1 if token[0].isdigit() else 2):
            return token
        digits = token.translate(YEAR_DIGITS)
        if digits.isdigit() and 1900 <= int(digits) <= 2099:
            return digits
        return token

    return YEAR_OCR.sub(fix, text)


def drop_lone_keywords(text: str) -> str:
    """A line that is only 'Bagian' or 'Pasal' is a catch-word of the next page."""
    return "\n".join(line for line in text.split("\n") if not LONE_KEYWORD_LINE.match(line))


def tidy(text: str) -> str:
    text = "\n".join(SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return BLANK_RUNS.sub("\n\n", text).strip()


def clean_text(text: str) -> str:
    """All repairs in order; safe to run twice."""
    text = normalize(text)
    text = remove_page_furniture(text)
    text = remove_inline_furniture(text)
    text = tidy(text)
    text = repair_heading_words(text)
    text = repair_pasal_numbers(text)
    text = repair_ayat_markers(text)
    text = repair_years(text)
    text = repair_spelled_figures(text)
    text = drop_lone_keywords(text)
    return tidy(text)


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def clean_pages(pages: list[Page]) -> list[Page]:
    """clean_text per page, words garbled by a stray symbol restored from the whole document's
    words, then drop catch-words: the end of a page repeated at the next one's start."""
    cleaned = [Page(number=page.number, text=clean_text(page.text)) for page in pages]
    words = vocabulary("\n".join(page.text for page in cleaned))
    for page in cleaned:
        page.text = repair_garbled_words(page.text, words)
    for page, following in zip(cleaned, cleaned[1:]):
        page.text = strip_catchword(page.text, following.text)
    return cleaned


def strip_catchword(text: str, next_text: str) -> str:
    """Remove the trailing line (or trailing words) of ``text`` that the next page begins with."""
    if not text or not next_text.strip():
        return text
    head, _, last = text.rpartition("\n")
    first = next_text.lstrip().split("\n", 1)[0]
    last_key, first_key = _key(last), _key(first)
    if len(last_key) >= 3 and first_key.startswith(last_key):
        return head.rstrip()
    words, next_words = last.split(), first.split()
    for n in range(min(6, len(words), len(next_words)), 0, -1):
        tail = words[-n:]
        if [_key(w) for w in tail] == [_key(w) for w in next_words[:n]] and len(_key("".join(tail))) >= 3:
            kept = " ".join(words[:-n])
            return (head + "\n" + kept if head else kept).rstrip()
    return text
