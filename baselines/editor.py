"""A where-and-how editor beyond the paper: a U-Net over the source with the instruction injected
at every scale, a keep-mask head supervised by the true change, and the output composited
through that mask (TIM-GAN's split of *where* from *how*, TIRG's / FiLM's fusion).

    t        = TextEnc(w_1..w_T)                       (B, 2 * hidden)   bidirectional GRU, last states
    logits   = Aux(t)                                  (B, sum of values) the (attribute, value) asked for
    x_0      = [X_s, coords, softmax(logits) . M]      (B, 5 + K, S, S)  coordinates: the layout is fixed;
                                                                         M: a learnt K x S x S map per class
    p        = Look(t, [e_0, X_s])                     (B, H * (w_0 + 3)) ``lookup``: attention from t over the
                                                                         source's pixels (what colour the hair is)
    e_k      = Down_k(e_{k-1}) fused with t            (B, c * 2**k, S / 2**k, S / 2**k), k = 0..L-1
    d_k      = Up_k([d_{k+1}, e_k]) fused with [t, p]  the decoder, skips from the encoder
    proposal = sigmoid(Head_rgb(d_0))                  (B, 3, S, S)      *how*: the edited pixels
    proposal = w_0 proposal + sum_p w_p c_p            ``palette``: w = softmax(Head_choose(d_0)) per pixel over the
                                                                         free colour and 2P colours c_p: P pooled
                                                                         from the source by attention from t, P
                                                                         named by t (sigmoid(Linear(t)))
    proposal = w_0 proposal + sum_a w_a colour_a       ``colour_slots``: the avatar's colours by name (baselines.slots)
    keep     = sigmoid(Head_mask(d_0))                 (B, 1, S, S)      *where*: 1 = keep the source
    output   = keep * X_s + (1 - keep) * proposal       ``hard_keep``: keep > 0.5 (straight-through in training);
                                                        ``hard_keep_eval``: keep > 0.5 at inference only

``fusion`` chooses how t enters each stage: ``film`` (x * (1 + gamma(t)) + beta(t), FiLM) or
``tirg`` (a gated residual: sigmoid(gate([x, t])) * x + res([x, t]), TIRG). The auxiliary head is
trained to name the changed attribute and its new value (the triplets' labels), which makes the
instruction encoder learn what was asked before the decoder has learnt to draw it. With ``parser``
(``baselines.parser``), at inference a request the head reads otherwise than the head and a MiniLM
sentence parser together is restated in the phrasing of that change the editor reads best.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
from torch import nn
from torch.nn import functional as F

from . import text as subwords
from .encoder import TextEncoder, lab
from .parser import SentenceParser, restated
from .slots import ColourSlots

FUSIONS = ("film", "tirg")
TEXTS = ("words", "subword", "minilm")
PROPOSALS = ("absolute", "residual")
RESTATE = ("differs", "unseen", "always")
SLOTS = ("off", "soft", "hard")
LOOKUP_KEY = 16                     # key and query width per lookup head


@dataclass(frozen=True)
class EditorConfig:
    size: int = 32                  # image side in px (a power of two, >= 16)
    channels: int = 16              # width at full resolution; doubles per level
    levels: int = 4                 # resolutions S, S/2, ..., S / 2**(levels-1)
    convs: int = 1                  # 3x3 convs per stage (1 or 2)
    hidden: int = 128               # GRU state per direction
    embedding: int = 64             # word embedding
    vocab_size: int = 1892          # training sets it from the dataset's vocabulary
    text: str = "words"             # "words": the release's word ids; "subword": the raw text as hashed
                                    # character n-grams and colour names (baselines.text), for unseen words;
                                    # "minilm": subwords and each word's frozen all-MiniLM-L6-v2 vector (an extra)
    buckets: int = 8192             # hashed subword ids (text="subword" or "minilm")
    colour_terms: bool = False      # also give a colour word its nearness (CIELAB) to the 11 basic colour terms
    fusion: str = "film"            # "film" or "tirg"
    proposal: str = "absolute"      # "absolute": sigmoid(rgb head); "residual": source + tanh(rgb head), clamped
    attribute_values: tuple = ()    # values per attribute in schema order (the auxiliary head's classes)
    templates: int = 0              # channels of a learnt S x S map per (attribute, value) class, mixed by the
                                    # auxiliary head's probabilities and given to the U-Net with the source (0: off)
    hard_keep: bool = False         # composite through keep > 0.5: exactly the source or exactly the proposal at each
                                    # pixel (in training straight-through: the soft mask's gradient)
    hard_keep_eval: bool = False    # at inference only, the composite through keep > 0.5; training stays soft (a trained
                                    # soft mask leaves a blend of source and proposal where it is unsure)
    lookup: int = 0                 # heads of an attention from the instruction over the source's pixels; what
                                    # each pools (features and RGB) joins t in the decoder (0: off)
    palette: int = 0                # P: each pixel of the proposal mixes (a softmax per pixel) its free colour with
                                    # P colours pooled from the source by attention from the instruction and P
                                    # colours named by the instruction, so a part can be painted in exactly the
                                    # source's hair colour or the asked-for one (0: off)
    colour_slots: str = "off"       # "soft" / "hard": each proposal pixel may take a colour of the avatar read from the
                                    # source (or asked for) by name (baselines.slots); "hard": one value at inference
    slot_colours: tuple = ()        # with colour_slots: R, G, B (0-255) per colour value, the table's start (training
                                    # gives the schema's colours; empty: mid-grey)
    parser: bool = False            # at inference, restate what a MiniLM sentence parser reads otherwise than the aux
                                    # head (baselines.parser; trained by benchmark.training.restate, not by train)
    phrases: tuple = ()             # with parser: per (attribute, value) class the phrasing the editor reads best
    restate: str = "differs"        # with parser: "differs" restates where the joint reading names another change
                                    # than the aux head alone; "unseen" also every request with a word outside
                                    # known_words; "always" every request
    known_words: tuple = ()         # with restate="unseen": the words of the training instructions
    # losses (read by baselines.objective.editor_loss; recorded with every run)
    l1_weight: float = 1.0          # L1(output, target) over the whole image
    region_weight: float = 10.0     # L1(proposal, target) inside the true change, per changed pixel
    region_dilate: int = 0          # the region term also covers the true change's surroundings up to this many px:
                                    # where the keep-mask leaks past the change, the proposal shows the source
    proposal_weight: float = 0.0    # L1(proposal, target) over the whole image: where the keep-mask leaks, the
                                    # proposal shows the target too
    mask_weight: float = 1.0        # BCE(keep, true keep-mask)
    changed_weight: float = 5.0     # weight of changed pixels in the mask BCE (about 10% of pixels change)
    aux_weight: float = 0.5         # cross-entropy of the (attribute, value) head
    read_weight: float = 0.5        # cross-entropy of the colour_slots reader against the source's colours
    rival_weight: float = 0.0       # cross-entropy of the target among renderings of rival values (objective.py)
    refine: float = 0.0             # share of each training batch edited from the model's own output (steps.py)
    passes: int = 1                 # edits per instruction at inference, each from the last one's output
    rivals: int = 6                 # renderings per item for rival_weight: the target and up to rivals - 1 others

    def __post_init__(self):
        if self.size < 16 or self.size & (self.size - 1):
            raise ValueError(f"size must be a power of two >= 16, got {self.size}")
        if not 2 <= self.levels or self.size >> (self.levels - 1) < 2:
            raise ValueError(f"levels must be >= 2 and leave at least 2x2 at the bottom, got {self.levels}")
        if self.convs not in (1, 2):
            raise ValueError(f"convs must be 1 or 2, got {self.convs}")
        if self.fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {', '.join(FUSIONS)}, got {self.fusion!r}")
        if self.text not in TEXTS:
            raise ValueError(f"text must be one of {', '.join(TEXTS)}, got {self.text!r}")
        if self.proposal not in PROPOSALS:
            raise ValueError(f"proposal must be one of {', '.join(PROPOSALS)}, got {self.proposal!r}")
        if self.colour_slots not in SLOTS:
            raise ValueError(f"colour_slots must be one of {', '.join(SLOTS)}, got {self.colour_slots!r}")
        if self.region_dilate < 0:
            raise ValueError(f"region_dilate is a width in px (0: off), got {self.region_dilate}")
        if self.passes < 1 or not 0 <= self.refine <= 1:
            raise ValueError(f"passes must be >= 1 and refine a share in [0, 1], got {self.passes}, {self.refine}")
        if self.rivals < 2:
            raise ValueError(f"rivals counts the target and at least one rival rendering: >= 2, got {self.rivals}")
        for name in ("channels", "hidden", "embedding", "vocab_size", "buckets"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        object.__setattr__(self, "attribute_values", tuple(int(v) for v in self.attribute_values))
        object.__setattr__(self, "phrases", tuple(str(p) for p in self.phrases))
        object.__setattr__(self, "slot_colours", tuple(int(c) for c in self.slot_colours))
        object.__setattr__(self, "known_words", tuple(str(w) for w in self.known_words))
        if self.restate not in RESTATE:
            raise ValueError(f"restate must be one of {', '.join(RESTATE)}, got {self.restate!r}")
        if self.parser and (self.text == "words" or not self.attribute_values
                            or len(self.phrases) != sum(self.attribute_values)):
            raise ValueError(f"parser restates raw text (text 'subword' or 'minilm', got {self.text!r}) with one phrase "
                             f"per (attribute, value) class: {sum(self.attribute_values)}, got {len(self.phrases)}")
        if self.templates < 0 or self.lookup < 0 or self.palette < 0:
            raise ValueError(f"templates, lookup and palette must be 0 (off) or a count, "
                             f"got {self.templates}, {self.lookup}, {self.palette}")

    @property
    def widths(self) -> list[int]:
        return [self.channels * 2 ** k for k in range(self.levels)]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["attribute_values"] = list(self.attribute_values)
        data["phrases"] = list(self.phrases)
        data["slot_colours"] = list(self.slot_colours)
        data["known_words"] = list(self.known_words)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "EditorConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown EditorConfig fields {unknown}; valid: {sorted(known)}")
        return cls(**data)


class Fusion(nn.Module):
    """Injects the instruction vector t into a feature map x: FiLM or a TIRG gated residual."""

    def __init__(self, width: int, text: int, kind: str):
        super().__init__()
        self.kind = kind
        if kind == "film":
            self.affine = nn.Linear(text, 2 * width)
            nn.init.zeros_(self.affine.weight)
            nn.init.zeros_(self.affine.bias)          # starts as the identity
        else:
            self.project = nn.Linear(text, width)            # t to the stage's width first: the 1x1 convs stay cheap
            self.gate = nn.Conv2d(2 * width, width, 1)
            self.res = nn.Conv2d(2 * width, width, 1)
            self.w = nn.Parameter(torch.tensor([1.0, 0.1]))   # w_g, w_r (TIRG)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if self.kind == "film":
            gamma, beta = self.affine(t)[:, :, None, None].chunk(2, dim=1)     # (B, C, 1, 1) each
            return x * (1 + gamma) + beta
        joined = torch.cat([x, self.project(t)[:, :, None, None].expand(-1, -1, *x.shape[2:])], dim=1)
        return self.w[0] * torch.sigmoid(self.gate(joined)) * x + self.w[1] * self.res(joined)


class Stage(nn.Module):
    """conv 3x3 -> GroupNorm -> fusion with t -> SiLU, then ``convs - 1`` more conv + GroupNorm + SiLU."""

    def __init__(self, cin: int, cout: int, text: int, fusion: str, convs: int = 1):
        super().__init__()
        groups = max(1, min(8, cout // 4))
        self.convs = nn.ModuleList([nn.Conv2d(cin if k == 0 else cout, cout, 3, padding=1) for k in range(convs)])
        self.norms = nn.ModuleList([nn.GroupNorm(groups, cout) for _ in range(convs)])
        self.fuse = Fusion(cout, text, fusion)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        x = F.silu(self.fuse(self.norms[0](self.convs[0](x)), t))
        for conv, norm in zip(self.convs[1:], self.norms[1:]):
            x = F.silu(norm(conv(x)))
        return x


class Editor(nn.Module):
    """``forward(source, tokens, lengths)`` -> ``{"output", "generated" (the proposal), "mask" (keep,
    1 = source), "mask_logit", "phi_fc" (t), "logits" (the auxiliary head), "read" (the colour slots'
    reader, or None)}``. Without tokens the
    editor keeps the source (the mask is forced to 1)."""

    trainable = True
    discriminator = None              # trained by a supervised step, not adversarially

    def __init__(self, cfg: EditorConfig):
        super().__init__()
        self.cfg = cfg
        text = 2 * cfg.hidden
        self.text = TextEncoder(cfg)
        widths = cfg.widths
        self.down = nn.ModuleList([Stage(5 + cfg.templates if k == 0 else widths[k - 1], widths[k], text, cfg.fusion, cfg.convs)
                                   for k in range(cfg.levels)])
        pooled = cfg.lookup * (widths[0] + 3)
        self.up = nn.ModuleList([Stage(widths[k] + widths[k + 1], widths[k], text + pooled, cfg.fusion, cfg.convs)
                                 for k in range(cfg.levels - 1)])
        if cfg.lookup:        # keys from the first stage's features and the source's RGB; queries from t
            self.keys = nn.Conv2d(widths[0] + 3, cfg.lookup * LOOKUP_KEY, 1)
            self.query = nn.Linear(text, cfg.lookup * LOOKUP_KEY)
        if cfg.palette:      # like the lookup: keys from the first stage's features and RGB, queries from t
            self.palette_keys = nn.Conv2d(widths[0] + 3, cfg.palette * LOOKUP_KEY, 1)
            self.palette_query = nn.Linear(text, cfg.palette * LOOKUP_KEY)
            self.named = nn.Linear(text, 3 * cfg.palette)
            self.choose = nn.Conv2d(widths[0], 1 + 2 * cfg.palette, 1)
            nn.init.zeros_(self.choose.weight)
            nn.init.constant_(self.choose.bias, 0.0)
            self.choose.bias.data[0] = 2.0          # starts mostly the free colour
        self.rgb = nn.Conv2d(widths[0], 3, 1)
        self.keep = nn.Conv2d(widths[0], 1, 1)
        nn.init.zeros_(self.keep.weight)
        nn.init.constant_(self.keep.bias, 2.0)      # starts near "keep everything"
        classes = sum(cfg.attribute_values)
        self.aux = nn.Linear(text, classes) if classes else None
        self.parser = SentenceParser(classes) if cfg.parser else None
        if (cfg.templates or cfg.colour_slots != "off") and not classes:
            raise ValueError("templates and colour_slots follow the (attribute, value) head; give attribute_values too")
        self.slots = (ColourSlots(widths, cfg.attribute_values, cfg.colour_slots == "hard", cfg.slot_colours, cfg.size)
                      if cfg.colour_slots != "off" else None)
        # one learnt map per class: the avatar's layout is fixed, so "where an afro goes" is a place
        self.template = (nn.Parameter(0.1 * torch.randn(classes, cfg.templates, cfg.size, cfg.size))
                         if cfg.templates else None)
        ramp = torch.linspace(-1, 1, cfg.size)
        self.register_buffer("coords", torch.stack(torch.meshgrid(ramp, ramp, indexing="ij"))[None], persistent=False)

    @property
    def generator(self) -> nn.Module:
        return self

    def encode_texts(self, texts) -> tuple[torch.Tensor, torch.Tensor]:
        """``(tokens, lengths)`` of raw instructions for a ``text="subword"`` or ``"minilm"`` model (with
        ``parser``, in eval mode, of the instructions as ``restate`` gives them)."""
        if self.parser is not None and not self.training:
            texts = self.restate(texts)
        return self.encode_written(texts)

    def encode_written(self, texts) -> tuple[torch.Tensor, torch.Tensor]:
        """``(tokens, lengths)`` of the instructions as written (never restated)."""
        tokens, lengths = subwords.encode_texts(texts, self.cfg.buckets, meaning=self.cfg.text == "minilm")
        return torch.as_tensor(tokens), torch.as_tensor(lengths)

    @torch.no_grad()
    def restate(self, texts) -> list[str]:
        """``texts`` where the parser and the auxiliary head together read another change than the head
        alone (``restate="unseen"``: and every one with a word outside ``known_words``; ``"always"``: every
        one) replaced by the phrasing of that change the editor reads best (``baselines.parser``)."""
        tokens, lengths = self.encode_written(texts)
        device = self.aux.weight.device
        own = torch.softmax(self.aux(self.text(tokens.to(device), lengths)).float(), 1)
        if self.cfg.restate == "unseen":
            known = set(self.cfg.known_words)
            always = [any(w not in known for w in subwords.words(str(t))) for t in texts]
        else:
            always = [self.cfg.restate == "always"] * len(texts)
        return restated(texts, own, self.parser.probabilities(texts).to(device), self.cfg.phrases, always)

    def forward(self, source: torch.Tensor, tokens=None, lengths=None, train_mask: bool = True) -> dict:
        out = self.edit(source, tokens, lengths)
        if tokens is not None and not self.training:
            for _ in range(self.cfg.passes - 1):       # edit the edit again (``passes``); keep = kept by every pass
                again = self.edit(out["output"], tokens, lengths)
                out = {**again, "mask": out["mask"] * again["mask"]}
        return out

    def edit(self, source: torch.Tensor, tokens=None, lengths=None) -> dict:
        """One pass of the editor over ``source``."""
        b = source.shape[0]
        if tokens is None:
            t = source.new_zeros(b, 2 * self.cfg.hidden)
        else:
            t = self.text(tokens, lengths)
        logits = self.aux(t) if self.aux is not None else None
        x = torch.cat([source, self.coords.expand(b, -1, -1, -1).to(source.dtype)], dim=1)
        if self.template is not None:      # the classes' maps, weighted by how likely each was asked for
            mixed = torch.einsum("bc,ckhw->bkhw", torch.softmax(logits.float(), dim=1), self.template)
            x = torch.cat([x, mixed.to(source.dtype)], dim=1)
        skips = []
        for k, stage in enumerate(self.down):
            x = stage(x if k == 0 else F.avg_pool2d(x, 2), t)             # (B, w_k, S/2**k, S/2**k)
            skips.append(x)
        context = torch.cat([t, self.look(skips[0], source, t)], dim=1) if self.cfg.lookup else t
        for k in reversed(range(self.cfg.levels - 1)):
            x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = self.up[k](torch.cat([x, skips[k]], dim=1), context)
        raw = self.rgb(x)
        proposal = torch.sigmoid(raw) if self.cfg.proposal == "absolute" else (source + torch.tanh(raw)).clamp(0, 1)
        if self.cfg.palette:
            proposal = self.paint(proposal, x, skips[0], source, t)
        read = None
        if self.slots is not None:
            proposal, read = self.slots(skips, source, logits, proposal, x)
        logit = self.keep(x)
        if tokens is None:
            logit = torch.full_like(logit, 20.0)     # no instruction: keep everything
        keep = torch.sigmoid(logit)
        if self.cfg.hard_keep or (self.cfg.hard_keep_eval and not self.training):
            # the forward pass shows what will be shown; the backward is the soft mask's
            soft, keep = keep, (logit > 0).to(keep.dtype)
            # (soft - soft.detach()) is exactly 0: the output is exactly the source or the proposal at each pixel
            output = keep * source + (1 - keep) * proposal + (soft - soft.detach()) * (source - proposal.detach())
        else:
            output = keep * source + (1 - keep) * proposal
        return {"output": output, "generated": proposal, "mask": keep, "mask_logit": logit, "phi_fc": t,
                "logits": logits, "read": read}

    def look(self, features: torch.Tensor, source: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """(B, lookup * (w_0 + 3)): per head, the source's features and RGB pooled by a softmax over its
        pixels of query(t) . key(pixel). The decoder learns where a new part goes from the templates;
        this is how it reads what colour it has (hair, beard, cloth) wherever that is on the source."""
        return attend(self.keys, self.query, torch.cat([features, source.to(features.dtype)], dim=1), t).flatten(1)

    def paint(self, free: torch.Tensor, x: torch.Tensor, features: torch.Tensor, source: torch.Tensor,
              t: torch.Tensor) -> torch.Tensor:
        """The ``palette`` proposal (B, 3, S, S): per pixel a softmax mix of the free colour and 2P
        colours, P pooled from the source's RGB (``attend``) and P named by the instruction."""
        b = source.shape[0]
        pooled = attend(self.palette_keys, self.palette_query, torch.cat([features, source.to(features.dtype)], dim=1), t)
        colours = torch.cat([pooled[..., -3:], torch.sigmoid(self.named(t)).view(b, self.cfg.palette, 3)], dim=1)
        weights = torch.softmax(self.choose(x), dim=1)                                      # (B, 1 + 2P, S, S)
        return weights[:, :1] * free + torch.einsum("bphw,bpc->bchw", weights[:, 1:], colours.to(weights.dtype))


def attend(keys: nn.Conv2d, query: nn.Linear, values: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """(B, H, V): per head, ``values`` (B, V, S, S) pooled by a softmax over the pixels of query(t) . keys(values)."""
    b, heads = values.shape[0], query.out_features // LOOKUP_KEY
    keys = keys(values).flatten(2).view(b, heads, LOOKUP_KEY, -1)                        # (B, H, D, N)
    weights = torch.softmax(torch.einsum("bhd,bhdn->bhn", query(t).view(b, heads, LOOKUP_KEY), keys).float()
                            / LOOKUP_KEY ** 0.5, dim=-1)
    return torch.einsum("bhn,bvn->bhv", weights.to(values.dtype), values.flatten(2))


__all__ = ["Editor", "EditorConfig", "FUSIONS", "Fusion", "PROPOSALS", "Stage", "TEXTS", "TextEncoder", "attend"]
