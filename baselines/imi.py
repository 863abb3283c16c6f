"""Image manipulation with instruction (IMI): the paper's network without SIM (Shinagawa et al.
2018) and with Source Image Masking (2019), one module with variants as flags.

Fig. 2 and equations 1-8 of the paper, pixels in [0,1] (sigmoid output, as the authors' DCGAN):

    phi_im  = ImEnc(X_s)                           (B, image_feature)       eq. 1
    phi_i   = IEnc(w_1..w_T)                       (B, hidden), 0 without instruction   eq. 2
    phi_fc  = FC(phi_im, phi_i)                    (B, hidden)              eq. 3
    mask    = MGen(phi_im, phi_i)                  (B, 1, S, S) in [0,1]    eq. 7  (SIM)
    phi_imm = ImEncWithMask(X_s * mask)            (B, top, 4, 4)           eq. 8  (SIM)
    X_hat   = Gen(phi_fc [, phi_imm])              (B, 3, S, S)             eq. 4
    y_hat   = FC_Dis(Dis(X), phi_fc)               (B,) logit               eq. 5-6

``top`` = channels * 2**(stages-1) with stages = log2(S) - 2 (paper: 64 px, 64 channels -> 512).
Where the paper is silent the choice is a field of :class:`IMIConfig` (see ARCHITECTURE.md).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import torch
from torch import nn
from torch.nn import functional as F

JOINS = ("4", "4+8", "all")
GEN_LOSSES = ("fm", "bce", "fm+bce")


@dataclass(frozen=True)
class IMIConfig:
    size: int = 64                # image side in px (a power of two, >= 16)
    channels: int = 64            # width of the first conv / last deconv (DCGAN: 64)
    image_feature: int = 1024     # phi_im (paper: 1024)
    hidden: int = 128             # phi_i and phi_fc (paper: 128)
    embedding: int = 128          # word embedding (paper: silent)
    vocab_size: int = 1892        # paper: 1892; training sets it from the dataset's vocabulary
    sim: bool = False             # Source Image Masking (eqs. 7-8)
    composite: bool = False       # beyond the paper: output = mask * source + (1 - mask) * generated
    join: str = "4+8"             # where phi_imm joins Gen: "4" (the paper's 512x4x4), "4+8" (also 8x8),
                                  # "all" (every scale up to S/2, U-Net style: beyond the paper)
    # losses (read by the trainer; recorded with every run)
    gen_loss: str = "fm"          # the generator's adversarial term: feature matching (Salimans), GAN BCE, or both
    fm_weight: float = 1.0
    l1_weight: float = 10.0       # L1 to the target; 0 = the paper's losses only
    mask_weight: float = 10.0     # mask MSE against the ground truth (SIM, instruction phases only)
    dis_trains_encoders: bool = False  # whether D's loss reaches ImEnc/IEnc/FC through phi_fc
    mismatch_weight: float = 0.5  # GAN-CLS: real image with the wrong phi_fc
    fake_weight: float = 0.5      # GAN-CLS: generated image with its phi_fc

    def __post_init__(self):
        stages = math.log2(self.size) - 2 if self.size > 0 else -1
        if stages < 2 or stages != int(stages):
            raise ValueError(f"size must be a power of two >= 16, got {self.size}")
        if self.join not in JOINS:
            raise ValueError(f"join must be one of {', '.join(JOINS)}, got {self.join!r}")
        if self.gen_loss not in GEN_LOSSES:
            raise ValueError(f"gen_loss must be one of {', '.join(GEN_LOSSES)}, got {self.gen_loss!r}")
        if self.composite and not self.sim:
            raise ValueError("composite needs sim=True (it composites through the predicted mask)")
        for name in ("channels", "image_feature", "hidden", "embedding", "vocab_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")

    @property
    def stages(self) -> int:
        return int(math.log2(self.size)) - 2

    @property
    def widths(self) -> list[int]:
        """Channels at resolution S/2, S/4, ..., 4."""
        return [self.channels * 2 ** k for k in range(self.stages)]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "IMIConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown IMIConfig fields {unknown}; valid: {sorted(known)}")
        return cls(**data)


def init_weights(module: nn.Module) -> None:
    # DCGAN: conv weights N(0, 0.02), BatchNorm weight N(1, 0.02) and bias 0
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d | nn.BatchNorm1d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class ConvTrunk(nn.Module):
    """The DCGAN discriminator trunk: (B, C_in, S, S) -> features at S/2, S/4, ..., 4
    (the last is (B, top, 4, 4)). No BatchNorm on the first layer, leaky ReLU 0.2."""

    def __init__(self, cfg: IMIConfig, in_channels: int = 3):
        super().__init__()
        layers, previous = [], in_channels
        for k, width in enumerate(cfg.widths):
            block = [nn.Conv2d(previous, width, 4, 2, 1, bias=False)]
            if k > 0:
                block.append(nn.BatchNorm2d(width))
            block.append(nn.LeakyReLU(0.2, inplace=True))
            layers.append(nn.Sequential(*block))
            previous = width
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for layer in self.layers:
            x = layer(x)
            features.append(x)
        return features


class ImageEncoder(nn.Module):
    """ImEnc: trunk + linear -> phi_im (B, image_feature)."""

    def __init__(self, cfg: IMIConfig):
        super().__init__()
        self.trunk = ConvTrunk(cfg)
        self.fc = nn.Linear(cfg.widths[-1] * 16, cfg.image_feature)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        top = self.trunk(image)[-1]                        # (B, top, 4, 4)
        return F.leaky_relu(self.fc(top.flatten(1)), 0.2)  # (B, image_feature)


class InstructionEncoder(nn.Module):
    """IEnc: word embedding + 1-layer LSTM; phi_i is the last hidden state (eq. 2)."""

    def __init__(self, cfg: IMIConfig):
        super().__init__()
        self.embed = nn.Embedding(cfg.vocab_size, cfg.embedding, padding_idx=0)
        self.lstm = nn.LSTM(cfg.embedding, cfg.hidden, num_layers=1, batch_first=True)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        # always float32: oneDNN has no bfloat16 LSTM on CPUs without bf16 instructions
        with torch.autocast(tokens.device.type, enabled=False):
            packed = nn.utils.rnn.pack_padded_sequence(
                self.embed(tokens).float(), lengths.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False)
            _, (h, _) = self.lstm(packed)
        return h[-1]                                       # (B, hidden)


class UpStack(nn.Module):
    """A DCGAN generator: vector -> (B, top, 4, 4) -> ... -> (B, out, S, S), sigmoid output.
    ``extra[r]`` channels are concatenated to the map at resolution r before its deconv."""

    def __init__(self, cfg: IMIConfig, in_features: int, out_channels: int, extra: dict[int, int] | None = None):
        super().__init__()
        extra = extra or {}
        widths = cfg.widths
        self.top = widths[-1]
        self.project = nn.Linear(in_features, self.top * 16, bias=False)
        self.project_bn = nn.BatchNorm1d(self.top * 16)
        self.extra = extra
        ups, resolution = [], 4
        for k in range(len(widths) - 1, -1, -1):
            width_in = widths[k] + extra.get(resolution, 0)
            last = k == 0
            width_out = out_channels if last else widths[k - 1]
            block = [nn.ConvTranspose2d(width_in, width_out, 4, 2, 1, bias=last)]
            if not last:
                block += [nn.BatchNorm2d(width_out), nn.ReLU(inplace=True)]
            ups.append(nn.Sequential(*block))
            resolution *= 2
        self.ups = nn.ModuleList(ups)

    def forward(self, vector: torch.Tensor, joins: dict[int, torch.Tensor] | None = None) -> torch.Tensor:
        joins = joins or {}
        x = F.relu(self.project_bn(self.project(vector))).view(-1, self.top, 4, 4)
        resolution = 4
        for up in self.ups:
            if resolution in joins:
                x = torch.cat([x, joins[resolution]], dim=1)
            x = up(x)
            resolution *= 2
        return torch.sigmoid(x)


class Discriminator(nn.Module):
    """Dis + FC_Dis, matching-aware (GAN-CLS, Reed et al.): phi_d = trunk(X) (B, top, 4, 4); phi_fc
    projected to ``hidden``, replicated over 4x4, concatenated, 1x1 conv + BN + leaky ReLU, 4x4
    conv -> one logit per image."""

    def __init__(self, cfg: IMIConfig):
        super().__init__()
        top = cfg.widths[-1]
        self.trunk = ConvTrunk(cfg)
        self.text = nn.Sequential(nn.Linear(cfg.hidden, cfg.hidden), nn.LeakyReLU(0.2, inplace=True))
        self.joint = nn.Sequential(nn.Conv2d(top + cfg.hidden, top, 1, bias=False), nn.BatchNorm2d(top),
                                   nn.LeakyReLU(0.2, inplace=True))
        self.out = nn.Conv2d(top, 1, 4, 1, 0)

    def features(self, image: torch.Tensor) -> torch.Tensor:
        return self.trunk(image)[-1]                       # phi_d (B, top, 4, 4)

    def judge(self, phi_d: torch.Tensor, phi_fc: torch.Tensor) -> torch.Tensor:
        text = self.text(phi_fc)[:, :, None, None].expand(-1, -1, 4, 4)
        return self.out(self.joint(torch.cat([phi_d, text], dim=1))).flatten()  # (B,)

    def forward(self, image: torch.Tensor, phi_fc: torch.Tensor, real: torch.Tensor | None = None) -> dict:
        """``logit`` and ``phi_d`` of ``image`` with ``phi_fc``; given ``real`` images too, also
        ``real_logit``, ``mismatch_logit`` (real with phi_fc rolled by one in the batch: GAN-CLS's
        wrong text) and ``phi_real``. One call per update, so DistributedDataParallel sees one
        forward per backward; real and generated images go through BatchNorm as separate batches."""
        phi_d = self.features(image)
        out = {"logit": self.judge(phi_d, phi_fc), "phi_d": phi_d}
        if real is not None:
            phi_real = self.features(real)
            out.update(real_logit=self.judge(phi_real, phi_fc), phi_real=phi_real,
                       mismatch_logit=self.judge(phi_real, phi_fc.roll(1, 0)))
        return out


class IMIGenerator(nn.Module):
    """Everything but the discriminator: ImEnc, IEnc, FC, Gen, and with SIM MGen and ImEnc with
    mask. ``forward(source, tokens, lengths)`` -> dict with ``output`` (B, 3, S, S) in [0,1],
    ``generated`` (before compositing), ``mask`` (B, 1, S, S) or None, ``phi_fc`` (B, hidden).
    ``tokens=None`` is the paper's "without instruction" (phi_i = 0); ``train_mask=False`` detaches
    the mask (the masking layer is not trained in those phases)."""

    def __init__(self, cfg: IMIConfig):
        super().__init__()
        self.cfg = cfg
        self.image_encoder = ImageEncoder(cfg)
        self.instruction_encoder = InstructionEncoder(cfg)
        self.fc = nn.Linear(cfg.image_feature + cfg.hidden, cfg.hidden)
        extra = {}
        if cfg.sim:
            self.mask_generator = UpStack(cfg, cfg.image_feature + cfg.hidden, 1)
            self.masked_encoder = ConvTrunk(cfg)
            for k, width in enumerate(reversed(cfg.widths)):   # k = 0: 4x4, 1: 8x8, ...
                if k == 0 or (k == 1 and cfg.join == "4+8") or cfg.join == "all":
                    extra[4 * 2 ** k] = width
        self.generator = UpStack(cfg, cfg.hidden, 3, extra)

    def forward(self, source: torch.Tensor, tokens: torch.Tensor | None = None,
                lengths: torch.Tensor | None = None, train_mask: bool = True) -> dict:
        phi_im = self.image_encoder(source)
        if tokens is None:
            phi_i = source.new_zeros(source.shape[0], self.cfg.hidden)
        else:
            phi_i = self.instruction_encoder(tokens, lengths)
        joint = torch.cat([phi_im, phi_i], dim=1)
        phi_fc = F.leaky_relu(self.fc(joint), 0.2)         # (B, hidden)
        mask, joins = None, {}
        if self.cfg.sim:
            mask = self.mask_generator(joint)              # (B, 1, S, S)
            gate = mask if train_mask else mask.detach()
            features = self.masked_encoder(source * gate)  # the mask is replicated over RGB
            # features[-1] is phi_imm (B, top, 4, 4); features[-2] (B, top/2, 8, 8); ...
            for resolution in self.generator.extra:
                joins[resolution] = features[-1 - int(math.log2(resolution // 4))]
        generated = self.generator(phi_fc, joins)
        output = generated
        if self.cfg.composite:
            output = mask * source + (1 - mask) * generated
        return {"output": output, "generated": generated, "mask": mask, "phi_fc": phi_fc}


class IMI(nn.Module):
    """The trainable pair: ``generator`` (:class:`IMIGenerator`) and ``discriminator``."""

    trainable = True

    def __init__(self, cfg: IMIConfig):
        super().__init__()
        self.cfg = cfg
        self.generator = IMIGenerator(cfg)
        self.discriminator = Discriminator(cfg)
        self.apply(init_weights)

    def forward(self, source, tokens=None, lengths=None) -> dict:
        return self.generator(source, tokens, lengths)


__all__ = ["IMI", "IMIConfig", "IMIGenerator", "Discriminator"]
