"""``python -m benchmark.speed train``: training steps per second of the paper's models against a
plain DCGAN step of the same width, timed in the same run, and the achieved GFLOP/s.

One step is what the trainer does per batch: the generator side's forward, the discriminator's
GAN-CLS update (real+match, real+mismatch, fake) and the generator side's update. The anchor is
a plain DCGAN at the same image size and widths (z of 100 -> generator; discriminator trunk ->
4x4 conv logit; BCE for both), same batch, same threads. FLOPs are counted by
``torch.utils.flop_counter.FlopCounterMode`` on one step (forward and backward).
"""

from __future__ import annotations

import contextlib
import statistics
import time

import torch
from torch import nn
from torch.nn import functional as F


def _images(batch: int, size: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(batch, 3, size, size, generator=torch.Generator().manual_seed(seed))


def model_step(name: str, preset: str, batch: int = 64, channels_last: bool = False, bf16: bool = False,
               overrides: dict | None = None):
    """A closure running one training step of registry model ``name`` (with ``overrides``, the
    editors' settings, as ``train --set`` gives them) on a fixed instructed batch."""
    from baselines import get_model, model_config

    from ..training.batches import attribute_values, model_data
    from ..training.steps import supervised_step, train_step

    overrides = dict(overrides or {})
    if not hasattr(model_config(name, preset), "colour_slots"):      # the paper's models take no editor settings
        overrides = {}
    torch.manual_seed(0)
    model = get_model(name, preset, data=model_data(name, preset, 881, overrides), **overrides).train()
    size = model.cfg.size
    memory = torch.channels_last if channels_last else torch.contiguous_format
    if channels_last:
        model = model.to(memory_format=memory)
    source = _images(batch, size).contiguous(memory_format=memory)
    data = {"source": source, "target": _images(batch, size, 1).contiguous(memory_format=memory),
            "mask": (torch.rand(batch, 1, size, size) > 0.1).float(),
            "tokens": torch.randint(2, 881, (batch, 12)), "lengths": torch.full((batch,), 12)}
    amp = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
    if model.discriminator is None:          # the editors: one supervised update, as the trainer does
        values = attribute_values()
        rng = torch.Generator().manual_seed(3)
        data["source_values"] = torch.stack([torch.randint(0, n, (batch,), generator=rng) for n in values], 1)
        data["label"] = torch.randint(0, sum(values), (batch,), generator=rng)
        if model.cfg.text != "words":
            data["tokens"], data["lengths"] = model.encode_written(["give him a red shirt please"] * batch)
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        return lambda: supervised_step(model, opt, data, model.cfg, amp)
    adam = {"lr": 2e-4, "betas": (0.5, 0.999)}
    opt_g = torch.optim.Adam(model.generator.parameters(), **adam)
    opt_d = torch.optim.Adam(model.discriminator.parameters(), **adam)
    return lambda: train_step(model.generator, model.discriminator, opt_g, opt_d, data, model.cfg, amp)


def dcgan_step(preset: str, batch: int = 64, z: int = 100):
    """A closure running one step of a plain DCGAN with the widths of ``preset``."""
    from baselines import model_config
    from baselines.imi import ConvTrunk, UpStack, init_weights

    cfg = model_config("imi", preset)
    torch.manual_seed(0)
    gen = UpStack(cfg, z, 3)
    trunk = ConvTrunk(cfg)
    dis = nn.Sequential(nn.Conv2d(cfg.widths[-1], 1, 4, 1, 0), nn.Flatten())
    for part in (gen, trunk, dis):
        part.apply(init_weights)
    d_params = list(trunk.parameters()) + list(dis.parameters())
    opt_g = torch.optim.Adam(gen.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d_params, 2e-4, betas=(0.5, 0.999))
    real = _images(batch, cfg.size)
    noise = torch.randn(batch, z, generator=torch.Generator().manual_seed(2))

    def step():
        fake = gen(noise)
        opt_d.zero_grad(set_to_none=True)
        d_real = dis(trunk(real)[-1]).flatten()
        d_fake = dis(trunk(fake.detach())[-1]).flatten()
        loss_d = (F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real))
                  + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        g_out = dis(trunk(fake)[-1]).flatten()
        F.binary_cross_entropy_with_logits(g_out, torch.ones_like(g_out)).backward()
        opt_g.step()

    return step


def flops(step) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        step()
    return float(counter.get_total_flops())


def seconds_per_step(step, steps: int, repeats: int = 3) -> float:
    """Median over ``repeats`` passes of ``steps`` steps, after two warm-up steps."""
    step()
    step()
    passes = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        passes.append((time.perf_counter() - t0) / steps)
    return statistics.median(passes)


def bench_train(presets=("cpu", "paper"), models=("imi", "imi_sim"), steps: int = 5, batch: int = 64,
                options: bool = False, overrides: dict | None = None) -> list[dict]:
    """Time each model (and, with ``options``, its channels_last and bf16 variants; the editors with
    ``overrides``) against the DCGAN anchor at each preset; prints a table and returns its rows."""
    rows = []
    print(f"training step, batch {batch}, {torch.get_num_threads()} threads, median of 3 x {steps} steps")
    print(f"  {'preset':7s} {'model':24s} {'s/step':>8s} {'steps/s':>8s} {'GFLOP/step':>11s} {'GFLOP/s':>8s} "
          f"{'time vs DCGAN':>14s} {'FLOP vs DCGAN':>14s}")
    for preset in presets:
        anchor = dcgan_step(preset, batch)
        anchor_flops = flops(anchor)
        anchor_s = seconds_per_step(anchor, steps)
        entries = [("dcgan (anchor)", anchor, anchor_flops, anchor_s)]
        for name in models:
            variants = [("", {})]
            if options:
                variants += [(" channels_last", {"channels_last": True}), (" bf16", {"bf16": True})]
            for label, kwargs in variants:
                step = model_step(name, preset, batch, overrides=overrides, **kwargs)
                count = flops(model_step(name, preset, batch, overrides=overrides, **kwargs))
                entries.append((name + label, step, count, seconds_per_step(step, steps)))
        for label, _, count, s in entries:
            row = {"preset": preset, "model": label, "s_per_step": s, "steps_per_s": 1 / s,
                   "gflop_per_step": count / 1e9, "gflops": count / 1e9 / s,
                   "time_ratio": s / anchor_s, "flop_ratio": count / anchor_flops}
            rows.append(row)
            print(f"  {preset:7s} {label:24s} {s:8.3f} {1 / s:8.2f} {count / 1e9:11.2f} {count / 1e9 / s:8.1f} "
                  f"{s / anchor_s:13.2f}x {count / anchor_flops:13.2f}x")
    return rows


def bf16_drift(preset: str = "cpu", steps: int = 34, batch: int = 64) -> dict:
    """Whether bf16 autocast changes results: the same model, data and steps (one phase on a
    fixed instructed batch of real pairs) in float32 and in bf16; prints both runs' losses and the
    difference of their outputs and of their MSE to the targets."""
    import random

    from baselines import get_model, model_config
    from collection.pairs import make_pair

    from ..training.steps import train_step

    size = model_config("imi_sim", preset).size
    pairs = [make_pair(7, i, size) for i in range(batch)]
    as_tensor = lambda k: torch.stack([torch.from_numpy(p[k]).permute(2, 0, 1).float() / 255 for p in pairs])  # noqa: E731
    rng = random.Random(0)
    data = {"source": as_tensor(1), "target": as_tensor(2),
            "mask": torch.stack([torch.from_numpy(p[3]).float()[None] for p in pairs]),
            "tokens": torch.tensor([[rng.randrange(2, 881) for _ in range(10)] for _ in pairs]),
            "lengths": torch.full((batch,), 10)}
    runs = {}
    for label, amp in (("float32", contextlib.nullcontext), ("bf16", lambda: torch.autocast("cpu", dtype=torch.bfloat16))):
        torch.manual_seed(0)
        model = get_model("imi_sim", preset, data={"vocab_size": 881}).train()
        opt_g = torch.optim.Adam(model.generator.parameters(), 2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(model.discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
        t0 = time.perf_counter()
        losses = [train_step(model.generator, model.discriminator, opt_g, opt_d, data, model.cfg, amp) for _ in range(steps)]
        seconds = time.perf_counter() - t0
        model.eval()
        with torch.no_grad():
            out = model(data["source"], data["tokens"], data["lengths"])["output"]
        runs[label] = {"losses": losses, "output": out, "seconds": seconds,
                       "mse": float(((out - data["target"]) ** 2).mean())}
    a, b = runs["float32"], runs["bf16"]
    report = {"steps": steps, "float32_mse": a["mse"], "bf16_mse": b["mse"],
              "output_rms_difference": float(((a["output"] - b["output"]) ** 2).mean().sqrt()),
              "final_g_l1": (float(a["losses"][-1]["g_l1"]), float(b["losses"][-1]["g_l1"])),
              "final_g_mask": (float(a["losses"][-1]["g_mask"]), float(b["losses"][-1]["g_mask"])),
              "time_ratio_bf16_over_float32": b["seconds"] / a["seconds"]}
    print(f"bf16 drift after {steps} steps ({preset} preset, batch {batch}, one fixed batch of real pairs):")
    for key, value in report.items():
        print(f"  {key}: {value}")
    return report
