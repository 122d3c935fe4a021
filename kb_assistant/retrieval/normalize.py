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
    "taun": "tahun", "thn2": "tahun", "trs": "terus", "maks": "paling lama maksimal", "max": "paling lama maksimal",
    "cepet": "cepat", "ato": "atau", "atw": "atau", "ttg": "tentang", "stlh": "setelah", "sblm": "sebelum", "ilang": "hilang",
    "temen": "teman", "siapin": "menyiapkan", "nyiapin": "menyiapkan", "disiapin": "disiapkan menyiapkan", "ngumumin": "mengumumkan", "kadis": "kepala dinas",
    "nunjuk": "menunjuk", "plh": "pelaksana harian", "plt": "pelaksana tugas", "setahun": "satu tahun", "tenggat": "batas waktu paling lama",
    "honorer": "tenaga honorer pegawai non-ASN", "alur": "tahapan tata cara", "arti": "pengertian yang dimaksud dengan",
    "definisi": "pengertian yang dimaksud dengan", "duluan": "lebih dahulu prakarsa", "bikin": "membuat", "ngasih": "memberikan",
    "dikasih": "diberikan", "dapet": "mendapat", "ngelapor": "melapor", "lapor": "melaporkan laporan",
    "nolak": "menolak", "ditolak": "ditolak", "gimana2": "bagaimana", "mesti": "wajib harus", "wajib": "wajib",
    "kantor": "instansi kantor", "dinas": "dinas perangkat daerah", "anak": "anak", "kerjaan": "pekerjaan", "gajinya": "gaji",
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
    "takes effect": "mulai berlaku", "basic services": "pelayanan dasar", "basic service": "pelayanan dasar",
    "government affairs": "urusan pemerintahan", "mandatory affairs": "urusan wajib", "takes office": "menjabat pergantian",
    "selection test": "seleksi", "civil servant candidates": "calon PNS", "civil servant candidate": "calon PNS",
    "administrative court": "pengadilan tata usaha negara", "abuse of authority": "penyalahgunaan wewenang",
    "abused their authority": "penyalahgunaan wewenang", "abuse of power": "penyalahgunaan wewenang",
    "head of region": "kepala daerah", "regional head": "kepala daerah", "term of office": "masa jabatan",
    "state budget": "APBN", "regional budget": "APBD", "code of conduct": "kode perilaku", "core value": "nilai dasar", "come into force": "mulai berlaku", "in force": "berlaku", "repealed": "dicabut",
}

# Single English words → Indonesian, after the phrases above (for BM25 only).
ENGLISH_WORDS: dict[str, str] = {
    "stage": "tahapan", "stages": "tahapan", "selection": "seleksi", "candidate": "calon", "candidates": "calon",
    "test": "ujian tes", "seven": "tujuh", "value": "nilai", "values": "nilai", "implement": "melaksanakan",
    "abuse": "penyalahgunaan", "abused": "penyalahgunaan", "court": "pengadilan", "decide": "memutuskan", "decides": "memutuskan",
    "governor": "gubernur", "regent": "bupati", "agreement": "perjanjian kesepakatan", "office": "jabatan", "term": "masa jabatan",
    "mandatory": "wajib", "affairs": "urusan", "affair": "urusan", "basic": "dasar", "commission": "komisi",
    "abolished": "dibubarkan", "dissolved": "dibubarkan", "effect": "berlaku", "infrastructure": "infrastruktur",
    "build": "membangun", "governments": "pemerintah", "government": "pemerintah", "agency": "instansi", "long": "lama",
    "set": "menetapkan", "investigate": "penyelidikan angket", "inquiry": "angket", "question": "interpelasi",
    "policy": "kebijakan", "policies": "kebijakan", "evaluation": "evaluasi", "index": "indeks", "national": "nasional",
    "appointment": "pengangkatan", "appointed": "diangkat", "promotion": "promosi", "employee": "pegawai", "employees": "pegawai",
    "servant": "pegawai", "servants": "pegawai", "civil": "sipil", "apparatus": "aparatur", "state": "negara",
    "cooperation": "kerja sama", "cooperate": "kerja sama", "region": "daerah", "regional": "daerah", "regions": "daerah",
    "foreign": "luar negeri", "dispute": "perselisihan sengketa", "disputes": "perselisihan sengketa",
    "settle": "penyelesaian", "settled": "penyelesaian", "central": "pusat", "ministry": "kementerian",
    "plan": "rencana", "planning": "perencanaan", "development": "pembangunan", "budget": "anggaran", "fund": "dana",
    "funding": "pendanaan", "supervise": "pengawasan", "supervision": "pengawasan", "monitor": "pemantauan",
    "complaint": "pengaduan", "complaints": "pengaduan", "citizen": "masyarakat", "citizens": "masyarakat", "public": "publik",
    "service": "pelayanan", "services": "pelayanan", "standard": "standar", "information": "informasi", "system": "sistem",
    "data": "data", "sharing": "berbagi pakai", "share": "berbagi", "integration": "integrasi", "application": "aplikasi",
    "assistance": "bantuan", "request": "permintaan", "refuse": "menolak", "refused": "menolak", "reason": "alasan",
    "reasons": "alasan", "leave": "cuti", "sick": "sakit", "pregnant": "melahirkan", "child": "anak", "birth": "melahirkan",
    "retire": "pensiun", "retirement": "pensiun", "age": "usia batas", "dismiss": "memberhentikan", "dismissal": "pemberhentian",
    "sanction": "sanksi", "sanctions": "sanksi", "penalty": "hukuman sanksi", "discipline": "disiplin", "violation": "pelanggaran",
    "performance": "kinerja", "assessment": "penilaian", "training": "pelatihan", "competency": "kompetensi",
    "merit": "merit sistem", "neutral": "netral", "neutrality": "netralitas", "politics": "politik", "political": "politik",
    "party": "partai", "member": "anggota", "members": "anggota", "council": "dewan", "parliament": "dewan perwakilan rakyat DPRD",
    "mayor": "wali kota", "village": "desa", "district": "kabupaten kecamatan", "province": "provinsi", "city": "kota",
    "innovation": "inovasi", "decision": "keputusan", "decisions": "keputusan", "objection": "keberatan", "deadline": "batas waktu paling lama",
    "days": "hari", "day": "hari", "months": "bulan", "month": "bulan", "years": "tahun", "year": "tahun", "working": "kerja",
    "report": "laporan", "reports": "laporan", "duty": "kewajiban tugas", "duties": "tugas kewajiban", "obligation": "kewajiban",
    "obligations": "kewajiban", "right": "hak", "rights": "hak", "salary": "gaji", "allowance": "tunjangan", "allowances": "tunjangan",
    "pension": "pensiun", "transfer": "mutasi perpindahan", "moved": "pindah mutasi", "rotation": "rotasi",
    "architecture": "arsitektur", "electronic": "elektronik", "digital": "digital elektronik", "ethics": "etik", "conduct": "perilaku",
    "code": "kode", "oath": "sumpah", "contract": "perjanjian kerja", "wage": "upah gaji", "third": "ketiga", "private": "swasta",
    "sector": "sektor", "secretariat": "sekretariat", "team": "tim", "coordination": "koordinasi", "coordinate": "koordinasi",
    "authority": "kewenangan wewenang", "authorities": "kewenangan", "delegation": "delegasi", "mandate": "mandat",
    "discretion": "diskresi", "officials": "pejabat", "official": "pejabat", "minister": "menteri", "president": "presiden",
    "administrative": "administrasi", "administration": "administrasi pemerintahan", "electronically": "elektronik",
}

_TOKEN = re.compile(r"[\w/'-]+|[^\w\s]", re.UNICODE)
_REPEAT = re.compile(r"\b([a-zA-Z]{2,})2\b")  # "masing2" → "masing-masing" (never numbers like 132/2022)


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
    if looks_english(question):
        found += [ENGLISH_WORDS[w] for w in low.split() if w in ENGLISH_WORDS]
    return " ".join(dict.fromkeys(found))


def looks_english(question: str) -> bool:
    words = re.findall(r"[a-z]+", question.lower())
    english_markers = {"the", "what", "how", "who", "when", "which", "does", "is", "are", "of", "under", "according", "can", "must", "should", "and"}
    return sum(w in english_markers for w in words) >= 2


def _join(tokens: list[str]) -> str:
    text = " ".join(tokens)
    return re.sub(r"\s+([?.,!;:)])", r"\1", text).strip()
