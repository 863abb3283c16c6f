"""The IMI models' training objective, next to the config that weights it (``IMIConfig``:
``mismatch_weight``, ``fake_weight``, ``gen_loss``, ``fm_weight``, ``l1_weight``, ``mask_weight``).
``benchmark.training.steps`` runs the updates; changing a loss is a change here only.

    discriminator_loss(judged, cfg)                        GAN-CLS: real+match -> 1, real+mismatch -> 0, fake -> 0
    generator_loss(judged, phi_real, out, batch, cfg)      adversarial (BCE and/or feature matching), L1, mask
    editor_loss(out, batch, cfg)                           the editor's: L1, L1 inside the change, mask BCE, aux CE
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from .slots import read_loss

LOSS_NAMES = ("d", "d_real", "d_mismatch", "d_fake", "g", "g_adv", "g_fm", "g_l1", "g_mask")
EDITOR_LOSS_NAMES = ("loss", "l1", "region", "mask", "aux", "aux_acc", "rival", "proposal", "read")


def discriminator_loss(judged: dict, cfg) -> dict[str, torch.Tensor]:
    """``judged``: the discriminator's ``real_logit``, ``mismatch_logit`` (real image, text rolled
    by one) and ``logit`` (the detached fake). Returns ``d`` (the weighted sum) and its parts."""
    real_logit = judged["real_logit"].float()
    ones, zeros = torch.ones_like(real_logit), torch.zeros_like(real_logit)
    d_real = F.binary_cross_entropy_with_logits(real_logit, ones)
    d_mismatch = F.binary_cross_entropy_with_logits(judged["mismatch_logit"].float(), zeros)
    d_fake = F.binary_cross_entropy_with_logits(judged["logit"].float(), zeros)
    d = d_real + cfg.mismatch_weight * d_mismatch + cfg.fake_weight * d_fake
    return {"d": d, "d_real": d_real, "d_mismatch": d_mismatch, "d_fake": d_fake}


def generator_loss(judged: dict, phi_real: torch.Tensor, out: dict, batch: dict, cfg) -> dict[str, torch.Tensor]:
    """``judged``: the discriminator on the (not detached) fake (``logit``, ``phi_d``); ``phi_real``
    its features of the real images (feature matching's target); ``out`` the generator's outputs;
    ``batch`` the targets and, in instruction phases, the ground-truth ``mask``. Returns ``g`` and
    its parts (zero where a weight or the phase turns a term off)."""
    fake, target = out["output"], batch["target"]
    g_logit, phi_fake = judged["logit"], judged["phi_d"]
    zero = fake.new_zeros(())
    g_adv = (F.binary_cross_entropy_with_logits(g_logit.float(), torch.ones_like(g_logit.float()))
             if "bce" in cfg.gen_loss else zero)
    g_fm = (F.mse_loss(phi_fake.float().flatten(1).mean(0), phi_real.detach().float().flatten(1).mean(0))
            if "fm" in cfg.gen_loss else zero)
    g_l1 = F.l1_loss(fake.float(), target) if cfg.l1_weight else zero
    g_mask = zero
    if batch.get("tokens") is not None and out["mask"] is not None and cfg.mask_weight:
        g_mask = F.mse_loss(out["mask"].float(), batch["mask"])
    g = g_adv + cfg.fm_weight * g_fm + cfg.l1_weight * g_l1 + cfg.mask_weight * g_mask
    return {"g": g, "g_adv": g_adv, "g_fm": g_fm, "g_l1": g_l1, "g_mask": g_mask}


def editor_loss(out: dict, batch: dict, cfg) -> dict[str, torch.Tensor]:
    """The editor's supervised objective (weights in ``EditorConfig``): L1 of the output, L1 of the
    proposal inside the true change (per changed pixel, so small edits weigh as much as large
    ones; ``region_dilate`` adds the pixels up to that many px around it, at the same weight), with
    ``proposal_weight`` L1 of the proposal over the whole image, the keep-mask's BCE against the
    true mask (changed pixels weighted ``changed_weight``), the cross-entropy of the
    (attribute, value) head where ``batch["label"]`` is given, with ``rival_weight`` the target's
    cross-entropy among rival renderings (``rival_loss``), and with ``colour_slots`` the slots'
    reader's cross-entropy against ``batch["source_values"]`` (``read_weight``)."""
    target, keep = batch["target"], batch["mask"]                  # (B, 3, S, S), (B, 1, S, S) 1 = keep
    changed = 1 - keep
    l1 = F.l1_loss(out["output"].float(), target)
    near = F.max_pool2d(changed, 2 * cfg.region_dilate + 1, 1, cfg.region_dilate) if cfg.region_dilate else changed
    per_item = (near * (out["generated"].float() - target).abs()).sum(dim=(1, 2, 3))
    region = (per_item / (3 * changed.sum(dim=(1, 2, 3)).clamp(min=1))).mean()
    proposal = F.l1_loss(out["generated"].float(), target) if cfg.proposal_weight else l1.new_zeros(())
    weight = 1 + (cfg.changed_weight - 1) * changed
    mask = F.binary_cross_entropy_with_logits(out["mask_logit"].float(), keep, weight=weight)
    zero = l1.new_zeros(())
    aux, aux_acc = zero, zero
    if out.get("logits") is not None and batch.get("label") is not None:
        aux = F.cross_entropy(out["logits"].float(), batch["label"])
        aux_acc = (out["logits"].argmax(1) == batch["label"]).float().mean()
    rival, rival_weight = zero, cfg.rival_weight
    if rival_weight and batch.get("rivals") is not None:
        rival = rival_loss(out["output"].float(), batch["rivals"], batch["rival_valid"])
    read = zero
    if out.get("read") is not None and batch.get("source_values") is not None:
        read = read_loss(out["read"], batch["source_values"], cfg.attribute_values)
    loss = (cfg.l1_weight * l1 + cfg.region_weight * region + cfg.mask_weight * mask + cfg.aux_weight * aux
            + rival_weight * rival + cfg.proposal_weight * proposal + cfg.read_weight * read)
    return {"loss": loss, "l1": l1, "region": region, "mask": mask, "aux": aux, "aux_acc": aux_acc, "rival": rival,
            "proposal": proposal, "read": read}


RIVAL_TEMPERATURE = 0.25


def rival_loss(output: torch.Tensor, rivals: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the target among rival renderings: ``rivals`` (B, K, 3, S, S) are the
    target (index 0) and the target with the changed attribute set to other values, ``valid``
    (B, K) drops padding and rivals drawn exactly as the target. The logit of each is minus its
    squared distance to the output over ``RIVAL_TEMPERATURE`` times the squared distance from the
    target to its nearest rival, so the term is scale-free: two eyebrow shapes differ
    by 0.01-0.1 summed squared at 32 px, two hairstyles by 10-40, and both weigh alike. The pixel
    losses pull the output toward the target everywhere; this one weighs the pixels that tell the
    asked-for value from the others, which an L1 over the image barely sees."""
    distance = ((output[:, None] - rivals) ** 2).sum(dim=(2, 3, 4))                 # (B, K)
    with torch.no_grad():
        apart = ((rivals[:, 1:] - rivals[:, :1]) ** 2).sum(dim=(2, 3, 4)).masked_fill(~valid[:, 1:], float("inf"))
        scale = apart.min(dim=1).values.clamp(min=1e-6).nan_to_num(posinf=1.0)          # (B,): the nearest rival
    logits = (-distance / (RIVAL_TEMPERATURE * scale[:, None])).masked_fill(~valid, float("-inf"))
    return F.cross_entropy(logits, torch.zeros(len(logits), dtype=torch.int64, device=logits.device))


__all__ = ["EDITOR_LOSS_NAMES", "LOSS_NAMES", "discriminator_loss", "editor_loss", "generator_loss", "rival_loss"]
