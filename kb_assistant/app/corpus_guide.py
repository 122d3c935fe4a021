"""Guidance for trainers on the Korpus form: document types, field help, and type mismatches.

A regulation uploaded with the type "Pedoman/Modul" is parsed by headings and its Pasal can then
not be cited; a guide uploaded as a regulation finds no Pasal. Both are recognisable from the
text (Pasal headings on their own line, a "MEMUTUSKAN / Menetapkan" block), so the preview says so.
"""

from __future__ import annotations

import re
from pathlib import Path

# (label, manifest type): the kinds a trainer adds in practice, in order of legal hierarchy
DOC_TYPES: list[tuple[str, str]] = [
    ("UU — Undang-Undang", "UU"),
    ("PP — Peraturan Pemerintah", "PP"),
    ("Perpres — Peraturan Presiden", "Perpres"),
    ("Permen — Peraturan Menteri", "Permen"),
    ("Peraturan Lembaga/Badan (mis. Peraturan BKN, Peraturan LAN)", "Perlem"),
    ("SE — Surat Edaran", "SE"),
    ("Pedoman/Modul (dibaca per bagian, tanpa Pasal)", "guide"),
]
TYPE_LABELS = {value: label.split(" (")[0] for label, value in DOC_TYPES}

FIELD_HELP = {
    "upload": "PDF dengan lapisan teks (bukan hasil pindai tanpa OCR), Markdown atau teks biasa.",
    "id": "Kode tetap untuk dokumen ini: huruf kecil, angka dan tanda '-', mis. perpres-95-2018. Dipakai di rujukan dan set QA; jangan diubah setelah ditambahkan.",
    "name": "Nama yang muncul di setiap rujukan, mis. Perpres 95/2018.",
    "type": "Menentukan cara membaca: peraturan dibaca per Pasal dan ayat; Pedoman/Modul dibaca per bagian (judul).",
    "title": "Judul resmi lengkap sebagaimana tertulis di dokumen.",
    "number": "Nomor peraturan, mis. 95.",
    "year": "Tahun penetapan, mis. 2018.",
    "status": "berlaku; dicabut (tidak dipakai untuk menjawab kecuali diminta); diubah (sebagian Pasal diganti peraturan lain).",
    "pasal": "Jumlah Pasal di batang tubuh, bila diketahui: pratinjau memeriksa apakah semua Pasal terbaca.",
    "url": "Alamat sumber resmi (mis. peraturan.go.id); ditautkan dari setiap rujukan.",
    "aliases": "Nama lain yang biasa dipakai pengguna, mis. UU ASN; pertanyaan yang menyebutnya dibatasi ke dokumen ini.",
}

PASAL_LINE = re.compile(r"^\s*pasal\s+\d+[a-z]?\s*$", re.IGNORECASE | re.MULTILINE)
ENACTING = re.compile(r"\b(memutuskan|menetapkan)\s*:", re.IGNORECASE)
REGULATION_TYPES = {"UU", "PP", "Perpres", "Permen", "Perlem", "SE", "Perda", "Pergub", "Perbup", "Perwal"}


def pasal_headings(text: str) -> int:
    return len(PASAL_LINE.findall(text))


def type_warnings(doc_type: str, text: str, pasal_found: int) -> list[str]:
    """What the trainer should know about the chosen type, judged from the uploaded text."""
    headings = pasal_headings(text)
    if doc_type not in REGULATION_TYPES and headings >= 2 and (ENACTING.search(text) or headings >= 5):
        return [f"Teks ini tampak seperti peraturan ({headings} judul Pasal ditemukan), tetapi jenisnya "
                f"'{TYPE_LABELS.get(doc_type, doc_type)}', sehingga dibaca sebagai pedoman biasa per bagian dan Pasal-nya "
                "tidak dapat dirujuk. Pilih jenis peraturan yang sesuai (mis. Permen atau Peraturan Lembaga/Badan)."]
    if doc_type in REGULATION_TYPES and pasal_found == 0:
        return [f"Jenis '{TYPE_LABELS.get(doc_type, doc_type)}' dibaca per Pasal, tetapi tidak ada Pasal yang terbaca. "
                "Jika ini pedoman atau modul, pilih jenis Pedoman/Modul."]
    return []


def upload_text(path: Path, max_bytes: int) -> str:
    """The text of an upload as the parser sees it (empty when it cannot be read)."""
    from kb_assistant.parsing.extract import ExtractionError, extract_pages

    try:
        return "\n".join(page.text for page in extract_pages(Path(path), max_bytes))
    except (ExtractionError, OSError, ValueError):
        return ""


CORPUS_ERRORS = [  # English refusals of the corpus and parsing layers -> Indonesian for the Korpus tab
    (re.compile(r"a document with id '([^']*)' already exists.*"), r"dokumen dengan id '\1' sudah ada; hapus dulu dokumen itu atau pilih id lain"),
    (re.compile(r"no document with id '([^']*)'.*"), r"tidak ada dokumen dengan id '\1'"),
    (re.compile(r"unsupported file type '([^']*)'.*"), r"jenis berkas '\1' tidak didukung; gunakan PDF, Markdown atau teks"),
    (re.compile(r"file not found"), "berkas tidak ditemukan"),
    (re.compile(r"file is empty.*"), "berkas kosong"),
    (re.compile(r"file is (.*), over the (.*) limit"), r"berkas berukuran \1, melebihi batas \2"),
    (re.compile(r"not a PDF file.*"), "berkas berakhiran .pdf tetapi isinya bukan PDF"),
    (re.compile(r"PDF is corrupt or truncated.*"), "PDF rusak atau terpotong"),
    (re.compile(r"PDF is encrypted.*"), "PDF terkunci kata sandi; simpan salinan tanpa kata sandi terlebih dahulu"),
    (re.compile(r"no Pasal or section could be found in the text"), "tidak ada Pasal maupun bagian yang terbaca dari teksnya"),
    (re.compile(r"no text layer.*|.*scanned.*", re.IGNORECASE), "PDF tidak memiliki lapisan teks (hasil pindai tanpa OCR); jalankan OCR terlebih dahulu"),
    (re.compile(r"file name escapes the corpus folder"), "nama berkas tidak sah"),
]


def corpus_error_text(message: str, file_name: str) -> str:
    """A refusal of the corpus layer in Indonesian, naming the trainer's file instead of the staged copy."""
    text = str(message)
    text = re.sub(r"^(?:/\S*/)?upload(?:\.\w+)?:\s*", "", text)  # the staged copy's path is no use to the trainer
    for pattern, replacement in CORPUS_ERRORS:
        if pattern.fullmatch(text):
            return pattern.sub(replacement, text)
    return text


_WHERE = r"(?:line (\S+)(?: \(page (\d+)\))?)"
PARSER_WARNINGS = [  # English parser warnings (parsing/) -> Indonesian for the preview; unknown ones stay as they are
    (rf"^{_WHERE}: (.*)$", None),  # the location prefix, translated on its own below
    (r"^Pasal (\S+): stray ayat markers dropped: (.*)$", r"Pasal \1: penanda ayat yang salah tempat dibuang: \2"),
    (r"^Pasal (\S+): no text in the source at this heading$", r"Pasal \1: tidak ada teks di sumber pada judul ini"),
    (r"^Penjelasan has 'Pasal (\S+)' but the body has no such Pasal; its explanation is not kept$",
     r"Penjelasan menyebut 'Pasal \1' tetapi batang tubuh tidak memilikinya; penjelasannya tidak disimpan"),
    (r"^Pasal (\S+) appears a second time with its own text$", r"Pasal \1 muncul dua kali dengan teksnya sendiri"),
    (r"^'Pasal (\S+)' is out of sequence; kept as text inside (.*)$", r"'Pasal \1' tidak berurutan; disimpan sebagai teks di dalam \2"),
    (r"^Pasal (\S+): heading not found; recovered where a new ayat \(1\) starts after Pasal (\S+)$",
     r"Pasal \1: judulnya tidak ditemukan; dipulihkan di awal ayat (1) baru setelah Pasal \2"),
    (r"^Pasal (\S+): heading not found between Pasal (\S+) and Pasal (\S+); its text, if the source has it, is merged into Pasal (\S+)$",
     r"Pasal \1: judulnya tidak ditemukan di antara Pasal \2 dan Pasal \3; teksnya, bila ada di sumber, tergabung ke Pasal \4"),
    (r"^no Pasal headings found.*$", "tidak ada judul Pasal yang ditemukan (peraturan perubahan dengan nomor Pasal Romawi, atau bukan peraturan?)"),
    (r"^no text found$", "tidak ada teks yang ditemukan"),
    (r"^(.*) missing \((.*)\): a lost page or heading\? text there may be merged into Pasal (\S+)$",
     r"\1 hilang (\2): halaman atau judul yang hilang? teksnya mungkin tergabung ke Pasal \3"),
]
REPLACED_BY_TYPE_CHECK = re.compile(r"^the text has \d+ Pasal headings, but type '.*' is parsed by its section headings")


def parser_warning_text(warning: str) -> str:
    """One parser warning in Indonesian where its shape is known ('line 12 (page 3): …' → 'baris 12 (hlm. 3): …')."""
    text, prefix = str(warning), ""
    located = re.match(rf"^{_WHERE}: (.*)$", text, re.S)
    if located:
        prefix = f"baris {located.group(1)}" + (f" (hlm. {located.group(2)})" if located.group(2) else "") + ": "
        text = located.group(3)
    for pattern, replacement in PARSER_WARNINGS[1:]:
        if re.match(pattern, text, re.S):
            return prefix + re.sub(pattern, replacement, text, flags=re.S)
    return prefix + text


def preview_warnings(type_notes: list[str], parser_warnings: list[str]) -> list[str]:
    """The type check first, then the parser's own warnings in Indonesian (its type note is the same finding)."""
    kept = [w for w in parser_warnings if not (type_notes and REPLACED_BY_TYPE_CHECK.match(str(w)))]
    return type_notes + [parser_warning_text(w) for w in kept]
