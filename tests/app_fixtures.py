"""Helpers for the web app tests: a private copy of the small index, test users, invented PDFs."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import make_settings
from kb_assistant.app.auth import hash_password
from kb_assistant.settings import Settings

# Passwords exist only while the tests run; their hashes are made at run time.
PASSWORDS = {"tina": ("trainer", "latih-rahasia-1"), "evan": ("evaluator", "nilai-rahasia-2"), "asti": ("asn", "asn-rahasia-3")}

CONTOH_ID = "contoh-1-2030"
CONTOH_META = {
    "id": CONTOH_ID,
    "name": "Peraturan Contoh 1/2030",
    "title": "Peraturan Contoh Nomor 1 Tahun 2030 tentang Pengelolaan Taman Baca Instansi",
    "type": "Permen",
    "number": "1",
    "year": "2030",
    "pasal_expected": "3",
}
CONTOH_QUESTION = "Berapa lama batas waktu pengembalian buku yang dipinjam dari Taman Baca Instansi?"
# An invented regulation, written for these tests.
CONTOH_LINES = [
    "PERATURAN CONTOH",
    "NOMOR 1 TAHUN 2030",
    "TENTANG",
    "PENGELOLAAN TAMAN BACA INSTANSI",
    "",
    "BAB I",
    "KETENTUAN UMUM",
    "",
    "Pasal 1",
    "Dalam Peraturan ini yang dimaksud dengan:",
    "1. Taman Baca Instansi adalah ruang baca bersama di kantor instansi pemerintah yang menyediakan buku bacaan bagi pegawai.",
    "2. Pengelola adalah pegawai yang ditunjuk oleh pimpinan instansi untuk mengurus Taman Baca Instansi.",
    "",
    "BAB II",
    "PENYELENGGARAAN",
    "",
    "Pasal 2",
    "(1) Setiap instansi pemerintah menyediakan paling sedikit satu Taman Baca Instansi.",
    "(2) Taman Baca Instansi dibuka setiap hari kerja mulai pukul 07.30 sampai dengan pukul 16.00.",
    "",
    "Pasal 3",
    "(1) Pengelola mencatat setiap peminjaman buku dalam buku register peminjaman.",
    "(2) Buku yang dipinjam dari Taman Baca Instansi wajib dikembalikan paling lambat 14 (empat belas) hari sejak tanggal peminjaman.",
]


def users_config() -> dict[str, dict[str, str]]:
    return {name: {"role": role, "password_hash": hash_password(password)} for name, (role, password) in PASSWORDS.items()}


def app_settings(root: Path, small_index: Settings) -> Settings:
    """Settings over a private copy of the small index (manifest, files, index, app data under root)."""
    shutil.copytree(small_index.index.dir, root / "indexes")
    settings = make_settings(root)
    settings.app.users = users_config()
    settings.app.data_dir = root / "app"
    settings.corpus.max_file_mb = 1.0  # small, so the oversize refusal needs only a 1 MB test file
    return settings


def contoh_pdf(path: Path) -> Path:
    """A text PDF of the invented 'Peraturan Contoh Nomor 1 Tahun 2030' (fpdf2)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in CONTOH_LINES:
        if line:
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(4)
    pdf.output(str(path))
    return path


def scanned_pdf(path: Path) -> Path:
    """A PDF holding only a picture of text, like a scan without OCR."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 300), "white")
    draw = ImageDraw.Draw(image)
    for y in range(20, 280, 20):
        draw.line((30, y, 570, y), fill="black", width=3)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=180)
    pdf.output(str(path))
    return path


def disk_state(settings: Settings) -> tuple[bytes, list[str]]:
    """The manifest bytes and the uploaded file names: what a refused request must leave untouched."""
    files = Path(settings.corpus.files_dir)
    return Path(settings.corpus.manifest).read_bytes(), sorted(p.name for p in files.iterdir()) if files.exists() else []
