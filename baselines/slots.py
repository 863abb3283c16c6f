"""The avatar's colours as slots the editor paints with (``EditorConfig.colour_slots``).

A new hairstyle must be drawn in the hair's colour, a moustache in the beard's, a new hat in the
hat's: the pixels of the part that is replaced. An editor that carries that colour through its
U-Net paints a blend of the colours it saw in training (golden hair on a platinum head). Here a
reader head names each colour attribute of the source (hat, hair, facial hair, skin, clothes,
background), the auxiliary head's asked-for (attribute, value) overrides the one attribute it
names, and each value has a learnt RGB (starting from the schema's colour of that value,
``slot_colours``). Each proposal pixel is then a softmax mix of its free colour and the slots:

    look_a   = softmax over pixels of (Where([e_0, X_s]) + Place_a)   a learnt place on the fixed layout
                                                                       plus what each pixel shows
    read_a   = Read_a([look_a . [e_0, X_s], mean and max of e_0..e_L]) logits over a's values; trained by
                                                                       cross-entropy on the source's values
    value_a  = asked_a + (1 - sum(asked_a)) * softmax(read_a)          asked_a: the aux head's probabilities
    colour_a = value_a . sigmoid(Table_a)                              (B, 3); one-hot value at inference ("hard")
    proposal = w_0 free + sum_a w_a colour_a,  w = softmax(Choose(d_0)) per pixel

A value the source hides (the colour of a beard it lacks) is read at inference as the most likely
value under the training prior, which the attribute reader rewards more than a blend of all.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

# schema positions (collection.ATTRIBUTE_NAMES) of the colour attributes: hat_color, hair_color,
# facial_hair_color, skin_color, clothing_color, background_color (a test holds them to the schema)
COLOUR_POSITIONS = (1, 2, 4, 9, 12, 14)


def spans(attribute_values) -> list[tuple[int, int, int]]:
    """Per colour attribute: (its first class among the aux head's, its first among the reader's, count)."""
    offsets = [sum(attribute_values[:k]) for k in range(len(attribute_values))]
    out, start = [], 0
    for k in COLOUR_POSITIONS:
        out.append((offsets[k], start, attribute_values[k]))
        start += attribute_values[k]
    return out


class ColourSlots(nn.Module):
    """``forward(skips, source, logits, free, features)`` -> (proposal (B, 3, S, S), read logits)."""

    def __init__(self, widths, attribute_values, hard: bool = True, colours=(), size: int = 32):
        super().__init__()
        if len(attribute_values) <= max(COLOUR_POSITIONS):
            raise ValueError("colour_slots needs the attribute_values of the whole schema")
        self.spans, self.hard = spans(attribute_values), hard
        total, k = sum(n for _, _, n in self.spans), len(self.spans)
        if colours and len(colours) != 3 * total:
            raise ValueError(f"slot_colours holds R, G, B per colour value: {3 * total} numbers, got {len(colours)}")
        # where to look for each colour: a learnt place on the fixed layout plus what the pixel shows
        self.where = nn.Conv2d(widths[0] + 3, k, 1)
        self.place = nn.Parameter(torch.zeros(k, size, size))
        self.read = nn.ModuleList([nn.Linear(widths[0] + 3 + 2 * sum(widths), n) for _, _, n in self.spans])
        start = (torch.tensor(colours, dtype=torch.float32).view(total, 3) / 255).clamp(0.02, 0.98) if colours else None
        self.table = nn.Parameter(torch.logit(start) if start is not None else torch.zeros(total, 3))   # or mid-grey
        self.choose = nn.Conv2d(widths[0], 1 + len(self.spans), 1)
        nn.init.zeros_(self.choose.weight)
        nn.init.zeros_(self.choose.bias)
        self.choose.bias.data[0] = 2.0                              # starts mostly the free colour

    def forward(self, skips, source: torch.Tensor, logits: torch.Tensor, free: torch.Tensor, features: torch.Tensor):
        pooled = torch.cat([torch.cat([s.mean(dim=(2, 3)), s.amax(dim=(2, 3))], dim=1) for s in skips], dim=1)
        seen = torch.cat([skips[0], source.to(skips[0].dtype)], dim=1)                     # (B, w_0 + 3, S, S)
        look = torch.softmax((self.where(seen) + self.place).flatten(2).float(), dim=-1)   # (B, K, S * S)
        at = torch.einsum("bkn,bvn->bkv", look, seen.flatten(2).float())                    # (B, K, w_0 + 3)
        read = torch.cat([head(torch.cat([at[:, k], pooled.float()], dim=1)) for k, head in enumerate(self.read)], dim=1)
        asked = torch.softmax(logits.float(), dim=1)
        colours = []
        for offset, start, n in self.spans:
            mine = asked[:, offset:offset + n]
            value = mine + (1 - mine.sum(1, keepdim=True)) * torch.softmax(read[:, start:start + n], dim=1)
            if self.hard and not self.training:
                value = F.one_hot(value.argmax(1), n).to(value.dtype)
            colours.append(value @ torch.sigmoid(self.table[start:start + n]))
        weights = torch.softmax(self.choose(features).float(), dim=1)                   # (B, 1 + K, S, S)
        slots = torch.einsum("bkhw,bkc->bchw", weights[:, 1:], torch.stack(colours, dim=1))
        return (weights[:, :1] * free.float() + slots).to(free.dtype), read


def read_loss(read: torch.Tensor, source_values: torch.Tensor, attribute_values) -> torch.Tensor:
    """Mean cross-entropy of the reader's logits against the source's value of each colour attribute."""
    return torch.stack([F.cross_entropy(read[:, start:start + n], source_values[:, k].long())
                        for (_, start, n), k in zip(spans(attribute_values), COLOUR_POSITIONS)]).mean()


__all__ = ["COLOUR_POSITIONS", "ColourSlots", "read_loss", "spans"]
