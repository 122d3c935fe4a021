"""`kb models adapt`: fine-tune multilingual-e5-small on corpus-derived pairs (one epoch, CPU).

Why: the dense channel is the weakest; a few minutes of contrastive training on pairs the corpus
itself provides (``pairs.py``) may teach the small model statute vocabulary without any QA question.
The loss is sentence-transformers' MultipleNegativesRankingLoss (in-batch negatives) driven by a
plain torch loop: the library's Trainer would need the ``datasets`` and ``accelerate`` packages for
nothing more. The result is written beside the base model with a record of how it was made.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from kb_assistant.models import profiles
from kb_assistant.models.install import staging_folder
from kb_assistant.models.pairs import Pair, batches
from kb_assistant.settings import EmbeddingSettings

RECORD_FILE = "adaptation.json"


def train(base: Path, pairs: list[Pair], out: Path, query_prompt: str, passage_prompt: str, batch_size: int = 16,
          lr: float = 2e-5, max_tokens: int = 256, seed: int = 0, log: Callable[[str], None] = print) -> dict:
    """One epoch of MultipleNegativesRankingLoss over ``pairs``; saves the model into ``out``."""
    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(seed)
    random.seed(seed)
    from kb_assistant.models.embed import load_sentence_transformer

    model = load_sentence_transformer(str(base), "float32")  # no random pooler for pooler-less BERT files
    model.max_seq_length = min(max_tokens, model.max_seq_length)
    loss_fn = MultipleNegativesRankingLoss(model)
    groups = batches(pairs, batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    schedule = get_linear_schedule_with_warmup(optimizer, max(1, len(groups) // 10), max(1, len(groups)))
    model.train()
    started, losses = time.perf_counter(), []
    for step, group in enumerate(groups, 1):
        anchors = model.preprocess([query_prompt + p.anchor for p in group])
        positives = model.preprocess([passage_prompt + p.positive for p in group])
        loss = loss_fn([anchors, positives], None)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(float(loss.detach()))
        if step % 10 == 0 or step == len(groups):
            log(f"step {step}/{len(groups)} loss {sum(losses[-10:]) / len(losses[-10:]):.3f}")
    model.eval()
    model.save(str(out))
    return {"steps": len(groups), "seconds": round(time.perf_counter() - started, 1),
            "first_loss": round(losses[0], 4) if losses else None, "last_loss": round(losses[-1], 4) if losses else None}


def adapt_model(settings: EmbeddingSettings, pairs: list[Pair], target_name: str = "multilingual-e5-small-adapted",
                log: Callable[[str], None] = print, **train_kwargs) -> Path:
    """Train from the configured base model into ``models_dir/<target_name>`` (atomic install)."""
    from kb_assistant.models.prepare import prepare_model

    base = prepare_model(settings)  # no-op when already prepared and verified
    profile = profiles.resolve_profile(settings)
    target = Path(settings.models_dir) / target_name
    with staging_folder(target, lambda t: (t / RECORD_FILE).is_file()) as tmp:
        stats = train(base, pairs, tmp, profile.query_prompt, profiles.document_prompt(profile, None), log=log, **train_kwargs)
        record = {"base": settings.model, "pairs": len(pairs), "kinds": dict(Counter(p.kind for p in pairs)),
                  "loss": "MultipleNegativesRankingLoss", "epochs": 1, **stats,
                  "data": "corpus structure only (definitions, headings, Penjelasan, cross-references); no QA questions"}
        (tmp / RECORD_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return target
