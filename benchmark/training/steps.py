"""One training step of the paper's IMI models: the discriminator's GAN-CLS update, then the
generator side's update (adversarial terms, optional L1, SIM's mask loss).

``batch`` holds float tensors: ``source`` and ``target`` (B, 3, S, S) in [0,1], ``mask``
(B, 1, S, S) (1 = unchanged), ``tokens`` (B, T) int64 and ``lengths`` (B,), or ``tokens`` None
in phases without instruction (then ``target`` is the source and no mask loss is taken).
"""

from __future__ import annotations

import contextlib

import torch
from torch.nn import functional as F

LOSS_NAMES = ("d", "d_real", "d_mismatch", "d_fake", "g", "g_adv", "g_fm", "g_l1", "g_mask")


def train_step(gen, dis, opt_g, opt_d, batch: dict, cfg, autocast=contextlib.nullcontext,
               no_sync_d=contextlib.nullcontext) -> dict[str, torch.Tensor]:
    """One D update then one G update on ``batch``; returns the detached losses.

    ``gen``/``dis`` are the model's generator and discriminator (maybe DDP-wrapped), ``cfg`` its
    :class:`baselines.IMIConfig`. ``no_sync_d`` keeps the discriminator's DDP from all-reducing
    the gradients the generator's loss leaves on it (they are discarded)."""
    source, target = batch["source"], batch["target"]
    if cfg.dis_trains_encoders:
        opt_g.zero_grad(set_to_none=True)   # the encoders collect D's gradient and then G's
    instructed = batch.get("tokens") is not None
    with autocast():
        out = gen(source, batch.get("tokens"), batch.get("lengths"), train_mask=instructed)
    fake, phi_fc = out["output"], out["phi_fc"]
    phi_fc_d = phi_fc if cfg.dis_trains_encoders else phi_fc.detach()

    # --- discriminator: real+match -> 1, real+mismatch (batch rolled by one) -> 0, fake -> 0 ---
    opt_d.zero_grad(set_to_none=True)
    with autocast():
        judged = dis(fake.detach(), phi_fc_d, real=target)
    real_logit, phi_real = judged["real_logit"].float(), judged["phi_real"]
    ones, zeros = torch.ones_like(real_logit), torch.zeros_like(real_logit)
    d_real = F.binary_cross_entropy_with_logits(real_logit, ones)
    d_mismatch = F.binary_cross_entropy_with_logits(judged["mismatch_logit"].float(), zeros)
    d_fake = F.binary_cross_entropy_with_logits(judged["logit"].float(), zeros)
    d_loss = d_real + cfg.mismatch_weight * d_mismatch + cfg.fake_weight * d_fake
    d_loss.backward(retain_graph=cfg.dis_trains_encoders)
    opt_d.step()

    # --- generator side: adversarial (GAN BCE and/or feature matching), L1, mask ---
    if not cfg.dis_trains_encoders:
        opt_g.zero_grad(set_to_none=True)
    with no_sync_d(), autocast():
        judged = dis(fake, phi_fc)
    g_logit, phi_fake = judged["logit"], judged["phi_d"]
    zero = fake.new_zeros(())
    g_adv = F.binary_cross_entropy_with_logits(g_logit.float(), ones) if "bce" in cfg.gen_loss else zero
    g_fm = (F.mse_loss(phi_fake.float().flatten(1).mean(0), phi_real.detach().float().flatten(1).mean(0))
            if "fm" in cfg.gen_loss else zero)
    g_l1 = F.l1_loss(fake.float(), target) if cfg.l1_weight else zero
    g_mask = zero
    if instructed and out["mask"] is not None and cfg.mask_weight:
        g_mask = F.mse_loss(out["mask"].float(), batch["mask"])
    g_loss = g_adv + cfg.fm_weight * g_fm + cfg.l1_weight * g_l1 + cfg.mask_weight * g_mask
    g_loss.backward()
    opt_g.step()
    opt_d.zero_grad(set_to_none=True)       # drop what the generator's loss left on D

    losses = {"d": d_loss, "d_real": d_real, "d_mismatch": d_mismatch, "d_fake": d_fake, "g": g_loss,
              "g_adv": g_adv, "g_fm": g_fm, "g_l1": g_l1, "g_mask": g_mask}
    return {k: v.detach() for k, v in losses.items()}
