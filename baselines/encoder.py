"""The editor's instruction encoder: word vectors (word ids, or hashed subwords and colour names,
optionally with MiniLM word vectors) through a bidirectional GRU (``EditorConfig.text``)."""

from __future__ import annotations

import torch
from torch import nn

from . import text as subwords


def lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0,1] (..., 3) -> CIELAB (..., 3), D65 white."""
    linear = torch.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = linear @ rgb.new_tensor([[0.4124, 0.2126, 0.0193], [0.3576, 0.7152, 0.1192], [0.1805, 0.0722, 0.9505]])
    xyz = xyz / rgb.new_tensor([0.95047, 1.0, 1.08883])
    f = torch.where(xyz > 0.008856, xyz.clamp(min=1e-6) ** (1 / 3), 7.787 * xyz + 16 / 116)
    return torch.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], dim=-1)


class TextEncoder(nn.Module):
    """Word vectors + bidirectional GRU over packed sequences -> (B, 2 * hidden). A word vector is
    the embedding of its id (``text="words"``, index 0 = ``<pad>``), or (``"subword"``) the mean
    embedding of its hashed pieces plus a projection of its colour (``baselines.text``'s rows), and
    (``"minilm"``) a projection of the word's MiniLM vector."""

    def __init__(self, cfg):                   # an editor.EditorConfig (text, embedding, hidden, buckets, ...)
        super().__init__()
        self.subword, minilm = cfg.text != "words", cfg.text == "minilm"
        self.width = subwords.WIDTH + (subwords.MEANING if minilm else 0)
        self.meaning = nn.Linear(subwords.MEANING, cfg.embedding) if minilm else None
        self.embed = nn.Embedding(cfg.buckets if self.subword else cfg.vocab_size, cfg.embedding, padding_idx=0)
        self.terms = cfg.colour_terms
        width = subwords.COLOUR + (len(subwords.BASIC_TERMS) if self.terms else 0)
        self.colour = nn.Linear(width, cfg.embedding) if self.subword else None
        if self.terms:
            self.register_buffer("prototypes", lab(torch.tensor(list(subwords.BASIC_TERMS.values())).float() / 255),
                                 persistent=False)
        self.gru = nn.GRU(cfg.embedding, cfg.hidden, batch_first=True, bidirectional=True)

    def vectors(self, tokens: torch.Tensor) -> torch.Tensor:
        if not self.subword:
            return self.embed(tokens)                                   # (B, T) ids
        if tokens.dim() != 3 or tokens.shape[2] != self.width:
            raise ValueError(f"this model reads (B, T, {self.width}) rows of its encode_texts, "
                             f"got tokens of shape {tuple(tokens.shape)}")
        ids = tokens[..., :subwords.PIECES]
        count = (ids > 0).sum(-1, keepdim=True).clamp(min=1)
        colour = tokens[..., subwords.PIECES:subwords.WIDTH].float() / tokens.new_tensor([1, 255, 255, 255]).float()
        if self.terms:                   # softmax over the terms of minus the CIELAB distance / 10
            near = torch.softmax(-torch.cdist(lab(colour[..., 1:]).flatten(0, 1), self.prototypes) / 10, dim=-1)
            colour = torch.cat([colour, colour[..., :1] * near.view(*colour.shape[:2], -1)], dim=-1)
        vectors = self.embed(ids).sum(2) / count + self.colour(colour)
        if self.meaning is not None:
            vectors = vectors + self.meaning(tokens[..., subwords.WIDTH:].float() / subwords.MEANING_SCALE)
        return vectors

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        lengths = lengths.cpu().clamp(min=1)
        packed = nn.utils.rnn.pack_padded_sequence(self.vectors(tokens), lengths, batch_first=True,
                                                   enforce_sorted=False)
        _, last = self.gru(packed)                  # (2, B, hidden)
        return torch.cat([last[0], last[1]], dim=1)


__all__ = ["TextEncoder", "lab"]
