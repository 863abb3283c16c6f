"""Train a model as the paper did: ``train(TrainConfig(model="imi_sim", preset="cpu"), "runs/sim")``.

Adam (2e-4, beta1 0.5), batch 64, alternating phases of 2,200 examples without instruction
(auto-encoding unlabeled avatars, phi_i = 0, mask not trained) and with instruction (training
triplets, mask loss against the ground truth). A run folder holds:

    config.json       the resolved configs, data version, package versions, git commit
    metrics.jsonl     one line per evaluation: phases done, mean losses per phase kind, val MSE
    last.pt           the latest checkpoint (weights, optimizers, RNG, best so far): --resume
    best.pt           the weights with the lowest validation MSE so far (model selection)
    samples/          outputs for a few fixed validation items at each evaluation (paper Fig. 3)

Under ``torchrun --nproc_per_node N`` the same call trains with DistributedDataParallel (gloo
on CPU, NCCL on GPU): each global batch is split across ranks, only rank 0 writes.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import signal
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch

from baselines.objective import EDITOR_LOSS_NAMES, LOSS_NAMES
from collection.files import write_atomic, write_json

from .. import runs
from ..runs import from_images, from_masks
from .checkpoint import load_checkpoint, save_checkpoint
from .predict import validation_scores
from .schedule import AUTOENCODE, INSTRUCT, LR_DECAYS, lr_factor, phase_batches, phase_kind, shard
from .batches import attribute_values, batch_tensors, held_out_specs, model_data, unlabeled_batch
from .rendered import RenderedPairs
from .steps import supervised_step, train_step

KILL_HOOK = "AIMI_TRAIN_KILL_AFTER_PHASE"  # tests: SIGKILL this process after that phase


class TrainingError(RuntimeError):
    """A run that cannot start or had to stop; the message says what to do."""


@dataclass
class TrainConfig:
    model: str = "imi_sim"
    preset: str = "cpu"
    seed: int = 0
    phases: int = 300                 # paper: 5,000 (its models were selected at 4,350 and 700)
    phase_examples: int = 2200        # examples per phase (paper: 2,200)
    batch_size: int = 64              # global batch (split across ranks under torchrun)
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    lr_decay: str = "none"            # "none": constant; "cosine": lr * (1 + cos(pi * phase / phases)) / 2 per phase
    eval_every: int = 10              # phases between validation evaluations
    checkpoint_every: int = 50        # phases between last.pt checkpoints
    val_limit: int = 0                # 0: the whole validation split (230)
    samples: int = 4                  # fixed validation items whose outputs are kept per evaluation
    channels_last: bool = False
    bf16: bool = False                # bfloat16 autocast
    threads: int = 0                  # torch CPU threads (0: torch's default); not part of the result
    autoencode: bool = True           # the paper's phases without instruction (False: every phase with)
    rendered: float = 0.0             # share of each instruction batch rendered fresh by the project's
                                      # renderer (never a validation or test spec); 0 = the paper's data only
    rendered_focus: str = ""          # comma-separated attributes: every other rendered pair changes one of them
    rendered_colour_names: float = 0.0  # share of rendered colour changes named by an unseen colour name (rendered.py)
    model_overrides: dict = field(default_factory=dict)

    @classmethod
    def from_preset(cls, model: str, preset: str, **changes) -> "TrainConfig":
        from baselines import TRAINING, check_model, get_preset

        check_model(model)
        schedule = {**get_preset(preset).train, **TRAINING.get(model, {})}
        valid = {f.name for f in fields(cls)}
        unknown = sorted(set(changes) - valid)
        if unknown:
            raise ValueError(f"unknown training settings {unknown}; valid: {', '.join(sorted(valid))}")
        return cls(model=model, preset=preset, **{**schedule, **changes})

    def check(self) -> None:
        for name in ("phases", "phase_examples", "batch_size", "eval_every", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.lr_decay not in LR_DECAYS:
            raise ValueError(f"lr_decay must be one of {', '.join(LR_DECAYS)}, got {self.lr_decay!r}")
        if not 0 <= self.rendered <= 1:
            raise ValueError(f"rendered is a share of each batch, between 0 and 1; got {self.rendered}")
        if self.rendered_focus:
            from collection.pairs import check_attributes

            check_attributes(self.focus_attributes)
            if not self.rendered:
                raise ValueError("rendered_focus chooses among rendered pairs; set rendered too (e.g. 0.5)")
        if not 0 <= self.rendered_colour_names <= 1 or (self.rendered_colour_names and not self.rendered):
            raise ValueError("rendered_colour_names is a share (0 to 1) of the rendered pairs' colour changes; "
                             f"set rendered too (e.g. 0.5); got {self.rendered_colour_names}")

    @property
    def focus_attributes(self) -> tuple[str, ...]:
        return tuple(a.strip() for a in self.rendered_focus.split(",") if a.strip())

    @property
    def training_data(self) -> str:
        """What the model was trained on: the paper's data, or also pairs rendered here."""
        return "paper" if not self.rendered else "paper+rendered"


class _Distributed:
    """Rank, world size and device; set up from torchrun's environment when WORLD_SIZE > 1."""

    def __init__(self):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = torch.cuda.is_available()
        self.device = torch.device(f"cuda:{local}" if cuda else "cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        self.active = self.world > 1
        if self.active and not torch.distributed.is_initialized():
            torch.distributed.init_process_group("nccl" if cuda else "gloo")

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.active:
            torch.distributed.barrier()

    def close(self) -> None:
        if self.active and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


def _read_metrics(path: Path, upto: int) -> list[str]:
    """The metrics lines of phases <= ``upto`` (what a resumed run keeps)."""
    if not path.exists():
        return []
    kept = []
    for line in path.read_text().splitlines():
        try:
            if json.loads(line)["phase"] <= upto:
                kept.append(line)
        except (ValueError, KeyError):
            break  # a line cut by the kill
    return kept


def _describe(config: TrainConfig, model, data: dict, world: int, device) -> dict:
    from aimi import DATA_VERSION

    return {"model": config.model, "preset": config.preset, "train": asdict(config),
            "model_config": model.cfg.to_dict(),
            "data": {"version": DATA_VERSION, "training_data": config.training_data, **data},
            "world_size": world, "device": str(device), "versions": runs.versions(), "git": runs.git_state()}


def _check_same(saved: dict, now: dict, run: Path) -> None:
    defaults = {f.name: f.default for f in fields(TrainConfig)}
    diffs = [f"{section}.{key}: {saved[section].get(key)!r} -> {value!r}"
             for section in ("train", "model_config") for key, value in now[section].items()
             if saved.get(section, {}).get(key, defaults.get(key) if section == "train" else None) != value
             and not (section == "train" and key in ("phases", "threads"))]
    if saved.get("data", {}).get("version") != now["data"]["version"]:
        diffs.append(f"data.version: {saved.get('data', {}).get('version')} -> {now['data']['version']}")
    if diffs:
        raise TrainingError(f"{run} was started with other settings ({'; '.join(diffs)}); resume with the "
                            "same settings, or train into a new --out folder")


def train(config: TrainConfig, out: str | Path, resume: bool = False, root: str | Path | None = None,
          progress: bool = True) -> dict:
    """Train ``config.model`` into run folder ``out``; returns a summary (phases, best val MSE and phase,
    seconds). ``resume=True`` continues from ``out/last.pt`` (or starts when there is none) and ends
    with the weights an uninterrupted run would have. Raises :class:`TrainingError` with a message
    (bad names, a used folder, a NaN loss)."""
    import aimi
    from baselines import get_model, model_config

    config.check()
    if config.threads:
        torch.set_num_threads(config.threads)
    run, dist = Path(out), _Distributed()
    try:
        if config.batch_size % dist.world:
            raise TrainingError(f"batch size {config.batch_size} does not split over {dist.world} processes; "
                                f"use a multiple of {dist.world}")
        if runs.config_path(run).exists() and not resume:
            raise TrainingError(f"{run} already holds a run; pass --resume to continue it or choose a new --out")

        size = model_config(config.model, config.preset, **config.model_overrides).size
        if dist.main:  # render the cache once; other ranks wait, then open it
            aimi.AIMI(root, "train", size, progress=progress)
        dist.barrier()
        train_set = aimi.AIMI(root, "train", size, progress=False)
        val_set = aimi.AIMI(root, "val", size, progress=False)
        unlabeled = aimi.Unlabeled(size)
        data = {"size": size, "vocab_size": len(train_set.vocabulary), "attribute_values": attribute_values(),
                "train": len(train_set), "val": len(val_set), "unlabeled": len(unlabeled)}

        torch.manual_seed(config.seed)
        model = get_model(config.model, config.preset,
                          data=model_data(config.model, config.preset, data["vocab_size"], config.model_overrides),
                          **config.model_overrides).to(dist.device)
        if config.channels_last:
            model = model.to(memory_format=torch.channels_last)
        description = _describe(config, model, data, dist.world, dist.device)
        val_items = np.arange(len(val_set) if not config.val_limit else min(config.val_limit, len(val_set)))
        sample_items = val_items[:config.samples]

        start, best = 0, {"val_mse": math.inf, "phase": None}
        saved = None                      # the phase of the last.pt on disk, if any
        opt_g = opt_d = None
        adversarial = getattr(model, "discriminator", None) is not None   # the paper's GANs; else supervised
        names = LOSS_NAMES if adversarial else EDITOR_LOSS_NAMES
        if getattr(model, "trainable", False):
            adam = {"lr": config.lr, "betas": (config.beta1, config.beta2)}
            opt_g = torch.optim.Adam(model.generator.parameters(), **adam)
            if adversarial:
                opt_d = torch.optim.Adam(model.discriminator.parameters(), **adam)
        if resume and runs.config_path(run).exists():
            _check_same(runs.read_config(run), description, run)
        if resume and runs.last_path(run).exists():
            state = load_checkpoint(runs.last_path(run))
            model.load_state_dict(state["state"])
            if opt_g is not None:
                opt_g.load_state_dict(state["opt_g"])
                if opt_d is not None:
                    opt_d.load_state_dict(state["opt_d"])
            torch.set_rng_state(state["rng"]["torch"])
            start, best = int(state["phase"]), dict(state["best"])
            saved = start
        if dist.main:
            run.mkdir(parents=True, exist_ok=True)
            run.joinpath(runs.SAMPLES).mkdir(exist_ok=True)
            write_json(runs.config_path(run), description)
            kept = _read_metrics(runs.metrics_path(run), start)
            write_atomic(runs.metrics_path(run), "".join(line + "\n" for line in kept))
        dist.barrier()

        started = time.perf_counter()
        if not getattr(model, "trainable", False):
            if dist.main and not (resume and runs.best_path(run).exists()):   # nothing to redo on --resume
                scores = validation_scores(model, val_set, val_items, device=dist.device)
                best = {"val_mse": scores["mse"], "phase": 0}
                _log(run, {"phase": 0, "losses": {}, "val": scores, "seconds": 0.0})
                _save(runs.best_path(run), model, config, description, 0, best)
                _save(runs.last_path(run), model, config, description, 0, best)
            return {"run": str(run), "phases": 0, "best_val_mse": best["val_mse"], "best_phase": 0, "seconds": 0.0}

        gen, dis = model.generator, model.discriminator
        no_sync_d = contextlib.nullcontext
        if dist.active and not adversarial:
            from torch.nn.parallel import DistributedDataParallel as DDP

            gen = DDP(gen, device_ids=[dist.device.index] if dist.device.type == "cuda" else None)
        elif dist.active:
            from torch.nn.parallel import DistributedDataParallel as DDP

            if model.cfg.dis_trains_encoders:
                raise TrainingError("dis_trains_encoders=True is not supported under torchrun; "
                                    "train it in one process")
            ids = [dist.device.index] if dist.device.type == "cuda" else None
            # the instruction encoder and the mask generator sit out phases without instruction
            gen = DDP(gen, device_ids=ids, find_unused_parameters=True)
            dis = DDP(dis, device_ids=ids)
            no_sync_d = dis.no_sync
        amp = (lambda: torch.autocast(dist.device.type, dtype=torch.bfloat16)) if config.bf16 \
            else contextlib.nullcontext
        model.train()

        bar = None
        if dist.main and progress:
            from tqdm import tqdm

            bar = tqdm(total=config.phases, initial=start, desc=f"train {config.model}", unit="phase",
                       dynamic_ncols=True)
        rendered = (RenderedPairs(size, train_set.vocabulary, config.rendered, exclude=held_out_specs(root, size),
                                  focus=config.focus_attributes, colour_names=config.rendered_colour_names)
                    if config.rendered else None)
        sums = {kind: {name: 0.0 for name in names} for kind in (AUTOENCODE, INSTRUCT)}
        counts = {AUTOENCODE: 0, INSTRUCT: 0}
        last_val = best["val_mse"] if best["phase"] is not None else None
        for phase in range(start, config.phases):
            kind = phase_kind(phase, config.autoencode)
            dataset_size = len(unlabeled) if kind == AUTOENCODE else len(train_set)
            plan = phase_batches(config.seed, phase, dataset_size, config.phase_examples, config.batch_size,
                                 config.autoencode)
            phase_sum = {name: torch.zeros(()) for name in names}
            lr = config.lr * lr_factor(config.lr_decay, phase, config.phases)   # of the phase alone: resume continues it
            for group in [g for opt in (opt_g, opt_d) if opt is not None for g in opt.param_groups]:
                group["lr"] = lr
            for step, global_batch in enumerate(plan):
                mine = shard(global_batch, dist.rank, dist.world)
                if kind == AUTOENCODE:
                    columns = unlabeled_batch(unlabeled, mine)
                else:
                    items = train_set.__getitems__(mine.tolist())
                    if rendered is not None:      # the batch's last share comes from fresh rendered pairs
                        items = rendered.mix(items, config.seed, phase, step, dist.rank)
                    columns = aimi.collate(items)
                batch = batch_tensors(columns, kind == INSTRUCT, config, dist.device, model,
                                      (config.seed, phase, step, dist.rank))
                if adversarial:
                    losses = train_step(gen, dis, opt_g, opt_d, batch, model.cfg, amp, no_sync_d)
                else:
                    losses = supervised_step(gen, opt_g, batch, model.cfg, amp)
                values = torch.stack([losses[name].float().cpu() for name in names])
                if not bool(torch.isfinite(values).all()):
                    bad = [f"{name}={float(v)}" for name, v in zip(names, values) if not math.isfinite(v)]
                    raise TrainingError(
                        f"phase {phase + 1} ({kind}), step {step + 1}: loss {', '.join(bad)}; training stopped. "
                        + (f"The last good checkpoint is {runs.last_path(run)} (phase {saved}); "
                           if saved is not None else "No checkpoint was written yet; ")
                        + "lower the learning rate (--set lr=...) or turn off --bf16, then --resume")
                for name, value in zip(names, values):
                    phase_sum[name] += value
            for name in names:
                sums[kind][name] += float(phase_sum[name]) / len(plan)
            counts[kind] += 1
            done = phase + 1
            if done % config.eval_every == 0 or done == config.phases:
                if dist.main:
                    scores = validation_scores(model, val_set, val_items, device=dist.device)
                    last_val = scores["mse"]
                    if scores["mse"] < best["val_mse"]:
                        best = {"val_mse": scores["mse"], "phase": done}
                        _save(runs.best_path(run), model, config, description, done, best)
                    _save_samples(run, model, val_set, sample_items, done, dist.device)
                    means = {k: {n: sums[k][n] / counts[k] for n in names} for k in sums if counts[k]}
                    _log(run, {"phase": done, "losses": means, "val": scores,
                               "seconds": round(time.perf_counter() - started, 3)})
                sums = {kind: {name: 0.0 for name in names} for kind in (AUTOENCODE, INSTRUCT)}
                counts = {AUTOENCODE: 0, INSTRUCT: 0}
                best = _broadcast(best, dist)
            if done % config.checkpoint_every == 0 or done == config.phases:
                if dist.main:
                    _save(runs.last_path(run), model, config, description, done, best,
                          {"opt_g": opt_g.state_dict(), **({"opt_d": opt_d.state_dict()} if opt_d else {})})
                saved = done
                dist.barrier()
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(" ".join([kind] + [f"{n}={float(phase_sum[n]) / len(plan):.3f}" for n in names[:2]])
                                    + " val_mse="
                                    + ("-" if last_val is None else f"{last_val:.4f}"))
            if os.environ.get(KILL_HOOK) == str(done):
                os.kill(os.getpid(), signal.SIGKILL)
        if bar is not None:
            bar.close()
        return {"run": str(run), "phases": config.phases, "best_val_mse": best["val_mse"],
                "best_phase": best["phase"], "seconds": round(time.perf_counter() - started, 3)}
    finally:
        dist.close()


def _broadcast(best: dict, dist: _Distributed) -> dict:
    if not dist.active:
        return best
    box = [best]
    torch.distributed.broadcast_object_list(box, src=0)
    return box[0]


def _log(run: Path, record: dict) -> None:
    with open(runs.metrics_path(run), "a") as handle:
        handle.write(json.dumps(record, sort_keys=True) + "\n")


def _save(path: Path, model, config: TrainConfig, description: dict, phase: int, best: dict,
          extra: dict | None = None) -> None:
    payload = {"model": config.model, "preset": config.preset, "model_config": model.cfg.to_dict(),
               "train_config": json.loads(json.dumps(asdict(config))), "data": description["data"],
               "phase": phase, "state": model.state_dict(), "rng": {"torch": torch.get_rng_state()},
               "best": {"val_mse": float(best["val_mse"]), "phase": best["phase"]}}
    save_checkpoint(path, {**payload, **(extra or {})})


def _save_samples(run: Path, model, dataset, items: np.ndarray, phase: int, device) -> None:
    from .predict import predict

    if not len(items):
        return
    out = predict(model, dataset, items, device=device)
    buffer = io.BytesIO()
    np.savez(buffer, index=items, output=from_images(out["output"]),
             **({} if out["mask"] is None else {"mask": from_masks(out["mask"])}))
    write_atomic(runs.sample_path(run, phase), buffer.getvalue(), durable=False)
