"""Query normalisation: how ASN really type, mapped to the words the regulations use.

Colloquial and abbreviated Indonesian is expanded ("gmn" → "bagaimana", "P3K" → "PPPK"), and
English domain terms get their Indonesian equivalents appended so BM25 can match them (the
multilingual dense model handles English on its own).
"""

from __future__ import annotations

import re

COLLOQUIAL: dict[str, str] = {
    "gmn": "bagaimana", "gimana": "bagaimana", "bgmn": "bagaimana", "gmna": "bagaimana",
    "gak": "tidak", "ga": "tidak", "nggak": "tidak", "ngga": "tidak", "enggak": "tidak", "tdk": "tidak", "gk": "tidak",
    "bs": "bisa", "bisa": "dapat", "sm": "sama", "dg": "dengan", "dgn": "dengan", "utk": "untuk", "buat": "untuk",
    "brp": "berapa", "yg": "yang", "dr": "dari", "dri": "dari", "krn": "karena", "karna": "karena",
    "tp": "tetapi", "tapi": "tetapi", "jd": "jadi", "sdh": "sudah", "udah": "sudah", "udh": "sudah", "blm": "belum",
    "hrs": "harus", "kalo": "kalau", "klo": "kalau", "kl": "kalau", "aja": "saja", "aj": "saja", "org": "orang",
    "pake": "pakai", "pakai": "menggunakan", "bgt": "sangat", "lg": "lagi", "jg": "juga", "sy": "saya", "gw": "saya",
    "gue": "saya", "aku": "saya", "kmn": "ke mana", "dmn": "di mana", "tsb": "tersebut", "dll": "dan lain-lain",
    "thn": "tahun", "bln": "bulan", "hr": "hari", "kerjasama": "kerja sama", "ngisi": "mengisi", "nyari": "mencari",
    "ngajak": "mengajak", "ngurus": "mengurus", "minta": "meminta", "dpt": "dapat", "msh": "masih", "spt": "seperti",
    "emang": "memang", "gaji": "gaji penghasilan", "pecat": "pemberhentian diberhentikan", "dipecat": "diberhentikan pemberhentian",
    "resign": "berhenti mengundurkan diri", "pindah": "pindah mutasi", "naik pangkat": "kenaikan pangkat",
    "cpns": "calon PNS", "ortu": "orang tua", "bos": "atasan pimpinan", "atasan": "atasan pimpinan",
}

ACRONYMS: dict[str, str] = {
    "p3k": "PPPK pegawai pemerintah dengan perjanjian kerja",
    "pppk": "PPPK pegawai pemerintah dengan perjanjian kerja",
    "pns": "PNS pegawai negeri sipil",
    "asn": "ASN aparatur sipil negara",
    "pemda": "pemerintah daerah",
    "pemkot": "pemerintah daerah kota",
    "pemkab": "pemerintah daerah kabupaten",
    "pemprov": "pemerintah daerah provinsi",
    "pemkab/pemkot": "pemerintah daerah",
    "ppk": "PPK pejabat pembina kepegawaian",
    "kasn": "KASN komisi aparatur sipil negara",
    "bkn": "BKN badan kepegawaian negara",
    "lan": "LAN lembaga administrasi negara",
    "spbe": "SPBE sistem pemerintahan berbasis elektronik",
    "aupb": "AUPB asas umum pemerintahan yang baik",
    "dprd": "DPRD dewan perwakilan rakyat daerah",
    "ksd": "kerja sama daerah",
    "opd": "perangkat daerah",
    "skpd": "perangkat daerah",
    "jpt": "JPT jabatan pimpinan tinggi",
    "menpan": "menteri pendayagunaan aparatur negara",
    "menpanrb": "menteri pendayagunaan aparatur negara",
    "kemenpan": "kementerian pendayagunaan aparatur negara",
    "pejabat": "pejabat",
    "instansi": "instansi pemerintah",
    "k/l": "kementerian lembaga instansi pusat",
    "tpp": "tunjangan",
    "jht": "jaminan hari tua",
    "wfh": "fleksibel tempat kerja",
}

# English domain terms → Indonesian, for BM25 only.
ENGLISH: dict[str, str] = {
    "civil servant": "pegawai ASN PNS", "civil servants": "pegawai ASN PNS", "civil service": "aparatur sipil negara",
    "regional government": "pemerintah daerah", "local government": "pemerintah daerah", "region": "daerah",
    "regions": "daerah", "cooperation": "kerja sama", "collaboration": "kolaborasi kerja sama", "collaborative": "kolaboratif",
    "agency": "instansi", "agencies": "instansi", "central": "pusat", "ministry": "kementerian", "minister": "menteri",
    "public service": "pelayanan publik", "public services": "pelayanan publik", "complaint": "pengaduan", "complaints": "pengaduan",
    "official": "pejabat", "officials": "pejabat", "decision": "keputusan", "objection": "keberatan", "appeal": "banding",
    "administrative assistance": "bantuan kedinasan", "official assistance": "bantuan kedinasan", "discretion": "diskresi",
    "authority": "wewenang kewenangan", "dispute": "sengketa perselisihan", "disputes": "sengketa perselisihan",
    "settle": "penyelesaian", "settled": "penyelesaian", "foreign": "luar negeri", "abroad": "luar negeri",
    "architecture": "arsitektur", "electronic government": "sistem pemerintahan berbasis elektronik SPBE",
    "e-government": "SPBE", "presidential regulation": "peraturan presiden perpres", "government regulation": "peraturan pemerintah",
    "law": "undang-undang", "leave": "cuti", "maternity": "melahirkan", "pension": "pensiun", "retirement": "pensiun",
    "salary": "gaji", "allowance": "tunjangan", "performance": "kinerja", "appraisal": "penilaian", "discipline": "disiplin",
    "dismissal": "pemberhentian", "dismissed": "diberhentikan", "transfer": "mutasi pindah", "promotion": "promosi kenaikan",
    "recruitment": "pengadaan", "training": "pelatihan pengembangan kompetensi", "competence": "kompetensi",
    "competency": "kompetensi", "core values": "nilai dasar", "code of ethics": "kode etik", "ethics": "etik",
    "neutrality": "netralitas", "merit": "merit", "contract": "perjanjian kerja", "contract employee": "PPPK",
    "governor": "gubernur", "regent": "bupati", "mayor": "wali kota", "province": "provinsi", "village": "desa",
    "deadline": "jangka waktu paling lama", "within": "paling lama", "years": "tahun", "year": "tahun", "days": "hari",
    "obligation": "kewajiban wajib", "obligations": "kewajiban", "right": "hak", "rights": "hak", "duty": "tugas kewajiban",
    "duties": "tugas", "standard": "standar", "service standard": "standar pelayanan", "ombudsman": "ombudsman",
    "data": "data", "information system": "sistem informasi", "report": "laporan", "reporting": "pelaporan",
    "supervision": "pengawasan pembinaan", "guidance": "pembinaan", "secretariat": "sekretariat", "third party": "pihak ketiga",
    "private": "swasta pihak ketiga", "investor": "pihak ketiga", "budget": "anggaran", "institution": "lembaga",
    "takes effect": "mulai berlaku", "come into force": "mulai berlaku", "in force": "berlaku", "repealed": "dicabut",
}

_TOKEN = re.compile(r"[\w/'-]+|[^\w\s]", re.UNICODE)
_REPEAT = re.compile(r"(\w+)2\b")  # "masing2" → "masing-masing"


def normalise_query(question: str) -> str:
    """Colloquial words and acronyms expanded; the result keeps the user's other words."""
    text = _REPEAT.sub(lambda m: f"{m.group(1)}-{m.group(1)}", question)
    out: list[str] = []
    for token in _TOKEN.findall(text):
        low = token.lower()
        if low in COLLOQUIAL:
            out.append(COLLOQUIAL[low])
        elif low in ACRONYMS:
            out.append(ACRONYMS[low])
        else:
            out.append(token)
    return _join(out)


def english_terms(question: str) -> str:
    """Indonesian equivalents of English domain phrases found in the question (for BM25)."""
    low = " " + " ".join(re.findall(r"[a-z0-9-]+", question.lower())) + " "
    found = [indo for eng, indo in sorted(ENGLISH.items(), key=lambda kv: -len(kv[0])) if f" {eng} " in low]
    return " ".join(dict.fromkeys(found))


def looks_english(question: str) -> bool:
    words = re.findall(r"[a-z]+", question.lower())
    english_markers = {"the", "what", "how", "who", "when", "which", "does", "is", "are", "of", "under", "according", "can", "must", "should", "and"}
    return sum(w in english_markers for w in words) >= 2


def _join(tokens: list[str]) -> str:
    text = " ".join(tokens)
    return re.sub(r"\s+([?.,!;:)])", r"\1", text).strip()
