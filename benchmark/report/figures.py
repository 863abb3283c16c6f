"""Figures (matplotlib, PNG and PDF side by side).

``validation_curves(runs, out)``: validation MSE against phase for every run, the identity floor
as a horizontal line (the paper's convergence figure, with the floor the paper did not draw).
``examples_by_phase`` (paper Fig. 3), ``qualitative_grid`` (paper Fig. 4), ``preference_bars``,
``attribute_bars`` (edit or keep accuracy per changed attribute per model), ``session_curves``
(multi-turn metrics against turn, fed back and teacher forced) and ``session_strip`` (one session,
the ground truth and each model's chain).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import runs as runs_folder
from ..evaluation.curves import read_curve

COLOURS = {"identity": "#777777", "imi": "#d95f02", "imi_sim": "#1b9e77", "imi_sim_composite": "#7570b3",
           "imi_sim_unet": "#1f78b4", "edit_film": "#e7298a", "edit_tirg": "#a6761d", "parse_render": "#222222"}
LABELS = {"identity": "identity (output = source)", "imi": "IMI w/o SIM (baseline)", "imi_sim": "IMI w/ SIM",
          "imi_sim_composite": "SIM + composite (beyond the paper)",
          "imi_sim_unet": "SIM + masked source at every scale (beyond the paper)",
          "edit_film": "where-and-how editor, FiLM (beyond the paper)",
          "edit_tirg": "where-and-how editor, TIRG (beyond the paper)",
          "parse_render": "parse + render ceiling (uses the renderer)"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, out: Path) -> list[Path]:
    out.parent.mkdir(parents=True, exist_ok=True)
    paths = [out.with_suffix(".png"), out.with_suffix(".pdf")]
    fig.savefig(paths[0], dpi=150, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    return paths


def validation_curves(runs, out: str | Path, title: str | None = None) -> list[Path]:
    """Plot validation MSE against phase for ``runs`` (run folders) into ``out``.png/.pdf."""
    plt = _pyplot()
    curves = [read_curve(run) for run in runs]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for curve in curves:
        name = curve["model"]
        label = f"{LABELS.get(name, name)}, seed {curve['seed']}"
        if name == "identity" or len(curve["phase"]) == 1:
            ax.axhline(curve["val_mse"][0], color=COLOURS.get(name, "k"), linestyle="--", label=label)
            continue
        ax.plot(curve["phase"], curve["val_mse"], color=COLOURS.get(name), label=label, linewidth=1.6)
        best = curve["val_mse"].argmin()
        ax.scatter([curve["phase"][best]], [curve["val_mse"][best]], color=COLOURS.get(name), zorder=3, s=18)
    ax.set_yscale("log")
    ax.set_xlabel("phase (2,200 examples each; without and with instruction alternate)")
    ax.set_ylabel("validation MSE (pixels in [0,1], log scale)")
    presets = sorted({c["preset"] for c in curves})
    ax.set_title(title or f"Validation MSE against phase ({', '.join(presets)} preset)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    paths = _save(fig, Path(out))
    plt.close(fig)
    return paths


def seed_band_curves(curves: list[dict], out: str | Path) -> list[Path]:
    """Validation MSE against phase per (model, loss setting): the mean over seeds as a line and
    the range over seeds as a band (``curves``: ``read_curve`` dicts with ``model_config``)."""
    import numpy as np

    from .claims import setting_of

    plt = _pyplot()
    groups: dict[tuple, list[dict]] = {}
    for curve in curves:
        groups.setdefault((curve["model"], setting_of(curve.get("model_config") or {})), []).append(curve)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for (model, setting), members in sorted(groups.items()):
        phases = sorted(set.intersection(*(set(c["phase"].tolist()) for c in members)))
        values = np.stack([[c["val_mse"][c["phase"].tolist().index(p)] for p in phases] for c in members])
        style = "-" if setting == "project" else ":"
        label = f"{LABELS.get(model, model)}, {setting.replace('_', ' ')} ({len(members)} seed{'s' * (len(members) > 1)})"
        ax.plot(phases, values.mean(axis=0), style, color=COLOURS.get(model), label=label, linewidth=1.6)
        if len(members) > 1:
            ax.fill_between(phases, values.min(axis=0), values.max(axis=0), color=COLOURS.get(model), alpha=0.2)
    ax.set_yscale("log")
    ax.set_xlabel("phase (2,200 examples each)")
    ax.set_ylabel("validation MSE (log scale)")
    ax.set_title("Validation MSE against phase: mean over seeds, band = range over seeds")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    paths = _save(fig, Path(out))
    plt.close(fig)
    return paths


def _val_items(indices, size: int, split: str = "val", root=None) -> dict:
    import aimi

    dataset = aimi.AIMI(root, split, size, progress=False)
    return dataset.__getitems__([int(i) for i in indices])


def _error_map(output: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Per-pixel squared error between two uint8 images, as the paper's change visualisation."""
    diff = (output.astype(np.float64) - source.astype(np.float64)) / 255
    return (diff ** 2).sum(axis=-1) / 3


def examples_by_phase(runs, out: str | Path, item: int = 0, columns: int = 7, root=None) -> list[Path]:
    """Paper Fig. 3: one validation item's output at evenly spaced evaluated phases, one row per run
    (from the runs' ``samples/``), with the source and the target."""
    plt = _pyplot()
    rows = []
    for run in map(Path, runs):
        files = runs_folder.sample_paths(run)
        if not files:
            continue
        picks = [files[int(round(k))] for k in np.linspace(0, len(files) - 1, min(columns, len(files)))]
        rows.append((read_curve(run)["model"], [(int(f.stem.split("-")[1]), np.load(f)) for f in picks]))
    if not rows:
        raise FileNotFoundError("no samples/ in the given runs; train with `python -m benchmark train` first")
    first = rows[0][1][0][1]
    index = int(first["index"][item])
    size = first["output"].shape[1]
    data = _val_items([index], size, root=root)
    width = 2 + max(len(r[1]) for r in rows)
    fig, axes = plt.subplots(len(rows), width, figsize=(1.3 * width, 1.5 * len(rows) + 0.4), squeeze=False)
    for r, (model, samples) in enumerate(rows):
        panels = [("source", data["source"][0]), ("target", data["target"][0])]
        panels += [(f"phase {phase}", s["output"][item]) for phase, s in samples]
        for c in range(width):
            ax = axes[r][c]
            ax.axis("off")
            if c < len(panels):
                ax.imshow(panels[c][1], interpolation="nearest")
                ax.set_title(panels[c][0], fontsize=7)
        axes[r][0].text(-0.15, 0.5, LABELS.get(model, model), transform=axes[r][0].transAxes, rotation=90,
                        va="center", ha="right", fontsize=7)
    fig.suptitle(f'Validation item {index}: "{data["instruction"][0]}"', fontsize=9)
    paths = _save(fig, Path(out))
    plt.close(fig)
    return paths


def qualitative_grid(runs, out: str | Path, items=(0, 1, 2, 3, 4, 5), split: str = "test", root=None) -> list[Path]:
    """Paper Fig. 4: per test item, the source, the target, and for each run its output, the
    squared-error map against the source and (SIM models) the predicted mask. Reads the runs'
    ``outputs-<split>.npz`` (``python -m benchmark evaluate``)."""
    plt = _pyplot()
    loaded = []
    for run in map(Path, runs):
        loaded.append((runs_folder.run_model(run), runs_folder.read_outputs(run, split)))
    size = loaded[0][1]["output"].shape[1]
    data = _val_items(items, size, split=split, root=root)
    columns = [("source", None), ("target", None)]
    for model, arrays in loaded:
        label = model if len(model) <= 10 else model.replace("_", "_\n", 1)   # keep column titles apart
        columns.append((f"{label}\noutput", model))
        columns.append((f"{label}\nchange", model))
        if "mask" in arrays:
            columns.append((f"{label}\nmask", model))
    fig, axes = plt.subplots(len(items), len(columns), figsize=(1.15 * len(columns), 1.5 * len(items) + 0.3),
                             squeeze=False, gridspec_kw={"hspace": 0.45})
    by_model = dict(loaded)
    for r, item in enumerate(items):
        for c, (title, model) in enumerate(columns):
            ax = axes[r][c]
            ax.axis("off")
            if model is None:
                ax.imshow(data[title][r], interpolation="nearest")
            else:
                arrays = by_model[model]
                if title.endswith("output"):
                    ax.imshow(arrays["output"][item], interpolation="nearest")
                elif title.endswith("change"):
                    ax.imshow(_error_map(arrays["output"][item], data["source"][r]), cmap="Reds", vmin=0, vmax=0.25,
                              interpolation="nearest")
                else:
                    ax.imshow(arrays["mask"][item], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
            if r == 0:
                ax.set_title(title, fontsize=6.5)
        axes[r][0].text(0, -0.04, f'"{data["instruction"][r]}"', transform=axes[r][0].transAxes,
                        fontsize=6.5, ha="left", va="top")
    paths = _save(fig, Path(out))
    plt.close(fig)
    return paths


def preference_bars(studies, out: str | Path) -> list[Path]:
    """The five grades' proportions per study as stacked bars (1: model_a much better ... 5: model_b)."""
    plt = _pyplot()
    colours = ["#b35806", "#f1a340", "#dddddd", "#998ec3", "#542788"]
    fig, ax = plt.subplots(figsize=(7, 0.7 + 0.6 * len(studies)))
    for row, study in enumerate(studies):
        left = 0.0
        for g in range(1, 6):
            share = study["proportions"][str(g)]
            ax.barh(row, share, left=left, color=colours[g - 1], edgecolor="white",
                    label=f"{g}" if row == 0 else None)
            if share > 0.04:
                ax.text(left + share / 2, row, f"{100 * share:.0f}%", ha="center", va="center", fontsize=8)
            left += share
    ax.set_yticks(range(len(studies)))
    ax.set_yticklabels([f"{s['model_a']} (1) vs {s['model_b']} (5)" + ("\nSIMULATED raters" if s["simulated"] else "")
                        for s in studies], fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of ratings, order restored (1: the first model much better ... 5: the second much better)")
    ax.legend(title="grade", ncol=5, fontsize=7, title_fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.45))
    paths = _save(fig, Path(out))
    plt.close(fig)
    return paths


def attribute_bars(results: list[dict], out: str | Path, metric: str = "edit_acc") -> list[Path]:
    """Bars per changed attribute per model of ``metric`` (with its 95% interval) from evaluation
    results (``results-<split>.json``, evaluator 2+), the identity floor included."""
    plt = _pyplot()
    results = [r for r in results if r.get("per_attribute")]
    if not results:
        raise ValueError("no per-attribute results; evaluate the runs again with this version of `evaluate`")
    series = [("identity", results[0]["per_attribute"]["identity"])]
    series += [(r["model"], r["per_attribute"]["model"]) for r in results if r["model"] != "identity"]
    attributes = sorted(series[0][1])
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(7, 0.75 * len(attributes)), 3.8))
    for k, (model, table) in enumerate(series):
        stats = [table.get(a, {}).get(metric) or {} for a in attributes]
        value = np.array([s.get("value") if s.get("value") is not None else np.nan for s in stats], dtype=float)
        low = np.array([s.get("low") if s.get("low") is not None else np.nan for s in stats], dtype=float)
        high = np.array([s.get("high") if s.get("high") is not None else np.nan for s in stats], dtype=float)
        x = np.arange(len(attributes)) + (k - (len(series) - 1) / 2) * width
        ax.bar(x, value, width, color=COLOURS.get(model), label=LABELS.get(model, model),
               yerr=np.nan_to_num(np.vstack([value - low, high - value])), error_kw={"lw": 0.6, "capsize": 1.5})
    n = {a: (series[0][1][a].get(metric) or {}).get("n") for a in attributes}
    ax.set_xticks(np.arange(len(attributes)))
    ax.set_xticklabels([f"{a.replace('_', ' ')}\nn={n[a]}" for a in attributes], fontsize=7, rotation=45, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(metric.replace("_", " "))
    split = results[0]["split"]
    ax.set_title(f"{metric.replace('_', ' ')} per changed attribute ({split} split, 95% intervals)", fontsize=9)
    ax.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    paths = _save(fig, Path(out))
    plt.close(fig)
    return paths


SESSION_PANELS = (("all_edits", "all edits so far ↑"), ("edit_acc", "this turn's edit ↑"),
                  ("keep_acc", "never-edited kept ↑"), ("mse", "MSE to the turn's truth ↓"))


def session_curves(results: list[dict], out: str | Path) -> list[Path]:
    """Metric against turn for every model (``results-sessions.json``): fed back (solid, the model
    reads its own previous output) and teacher forced (dashed, the ground truth), each with its 95%
    interval as a band, and the identity floor of each variant in gray."""
    plt = _pyplot()
    results = [r for r in results if r.get("kind") == "sessions"]
    if not results:
        raise ValueError("no sessions results; run `python -m benchmark evaluate RUN --sessions` first")
    fig, axes = plt.subplots(1, len(SESSION_PANELS), figsize=(3.1 * len(SESSION_PANELS), 3.2))
    styles = {"fed_back": "-", "teacher_forced": "--"}
    series = [("identity", results[0], "identity")] + [(r["model"], r, "metrics") for r in results
                                                       if r["model"] != "identity"]
    for ax, (metric, title) in zip(axes, SESSION_PANELS):
        for model, result, who in series:
            for variant, style in styles.items():
                if variant not in result["variants"]:
                    continue
                turns = result["variants"][variant]["turns"]
                x = [t["turn"] for t in turns]
                stat = [t[who][metric] for t in turns]
                value = np.array([s["value"] if s["value"] is not None else np.nan for s in stat], dtype=float)
                low = np.array([s["low"] if s.get("low") is not None else np.nan for s in stat], dtype=float)
                high = np.array([s["high"] if s.get("high") is not None else np.nan for s in stat], dtype=float)
                colour = COLOURS.get(model, None)
                ax.plot(x, value, style, color=colour, marker="o", ms=3, lw=1.2,
                        label=f"{LABELS.get(model, model)}, {variant.replace('_', ' ')}")
                ax.fill_between(x, low, high, color=colour, alpha=0.12, lw=0)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("turn")
        ax.set_xticks(range(1, results[0]["turns"] + 1))
        if metric != "mse":
            ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    n = results[0]["n"]
    fig.suptitle(f"Multi-turn sessions ({n} sessions, {results[0].get('preset')} preset): solid = fed back "
                 f"(own previous output), dashed = teacher forced (ground truth); bands: 95% intervals", fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, 0.02))
    fig.tight_layout(rect=(0, 0.02, 1, 0.95))
    paths = _save(fig, Path(out))
    plt.close(fig)
    return paths


def session_strip(runs, out: str | Path, session: int = 0, root=None) -> list[Path]:
    """One test session: the ground truth (the start, then each turn), and below it each run's
    fed-back chain (its own outputs, turn after turn) from the folders' ``outputs-sessions.npz``
    (``evaluate --sessions``); the instructions head the columns."""
    import textwrap

    import aimi

    plt = _pyplot()
    import json

    loaded = [(json.loads(runs_folder.results_path(run, "sessions").read_text())["model"],
               np.load(runs_folder.outputs_path(run, "sessions"))) for run in map(Path, runs)]
    if not loaded:
        raise ValueError("no runs given")
    size = loaded[0][1]["fed_back"].shape[2]
    item = aimi.Sessions(root, size=size, progress=False)[session]
    turns = item["turns"]
    rows = [("ground truth", [item["start"]] + [t["image"] for t in turns])]
    rows += [(LABELS.get(model, model), [item["start"]] + list(arrays["fed_back"][session])) for model, arrays in loaded]
    fig, axes = plt.subplots(len(rows), len(turns) + 1, figsize=(1.45 * (len(turns) + 1), 1.45 * len(rows) + 0.9),
                             squeeze=False)
    for r, (label, images) in enumerate(rows):
        for c, image in enumerate(images):
            ax = axes[r][c]
            ax.imshow(image, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                title = "start" if c == 0 else f"{c}. " + textwrap.fill(turns[c - 1]["instruction"], 24)
                ax.set_title(title, fontsize=6)
        axes[r][0].set_ylabel(textwrap.fill(label, 18), fontsize=6.5)
    fig.suptitle(f"Session {item['id']}: each model edits its own previous output (fed back); "
                 f"instructions SIMULATED", fontsize=8)
    fig.tight_layout()
    paths = _save(fig, Path(out))
    plt.close(fig)
    return paths
