"""One training step of the paper's IMI models: the discriminator's GAN-CLS update, then the
generator side's update (adversarial terms, optional L1, SIM's mask loss).

``batch`` holds float tensors: ``source`` and ``target`` (B, 3, S, S) in [0,1], ``mask``
(B, 1, S, S) (1 = unchanged), ``tokens`` (B, T) int64 and ``lengths`` (B,), or ``tokens`` None
in phases without instruction (then ``target`` is the source and no mask loss is taken).
"""

from __future__ import annotations

import contextlib

import torch

from baselines.objective import discriminator_loss, editor_loss, generator_loss


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
    phi_real = judged["phi_real"]
    d_losses = discriminator_loss(judged, cfg)
    d_losses["d"].backward(retain_graph=cfg.dis_trains_encoders)
    opt_d.step()

    # --- generator side: adversarial (GAN BCE and/or feature matching), L1, mask ---
    if not cfg.dis_trains_encoders:
        opt_g.zero_grad(set_to_none=True)
    with no_sync_d(), autocast():
        judged = dis(fake, phi_fc)
    g_losses = generator_loss(judged, phi_real, out, batch, cfg)
    g_losses["g"].backward()
    opt_g.step()
    opt_d.zero_grad(set_to_none=True)       # drop what the generator's loss left on D
    return {k: v.detach() for k, v in {**d_losses, **g_losses}.items()}


def supervised_step(model, opt, batch: dict, cfg, autocast=contextlib.nullcontext) -> dict[str, torch.Tensor]:
    """One update of a model trained without a discriminator (the editor): its objective is
    ``baselines.objective.editor_loss``; returns the detached losses. With the model's ``refine``
    share, that share of the batch is edited from the model's own output for the same instruction
    (no gradient through it), against the same target: meant to teach it to finish a partial edit
    and leave a finished one alone (measured without gain: ``training/ARCHITECTURE.md``)."""
    opt.zero_grad(set_to_none=True)
    source, tokens, lengths = batch["source"], batch.get("tokens"), batch.get("lengths")
    share = getattr(cfg, "refine", 0.0)
    if share and tokens is not None:     # the first share starts from the model's own edit of the source
        n = int(round(share * len(source)))
        with torch.no_grad(), autocast():
            first = model(source[:n], tokens[:n], lengths[:n])["output"].to(source.dtype)
        source = torch.cat([first, source[n:]])
    with autocast():
        out = model(source, tokens, lengths)
    losses = editor_loss(out, batch, cfg)
    losses["loss"].backward()
    opt.step()
    return {k: v.detach() for k, v in losses.items()}
