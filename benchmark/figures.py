"""Figures (matplotlib, PNG and PDF side by side).

``validation_curves(runs, out)``: validation MSE against phase for every run, the identity floor
as a horizontal line (the paper's convergence figure, with the floor the paper did not draw).
"""

from __future__ import annotations

from pathlib import Path

from .curves import read_curve

COLOURS = {"identity": "#777777", "imi": "#d95f02", "imi_sim": "#1b9e77", "imi_sim_composite": "#7570b3"}
LABELS = {"identity": "identity (output = source)", "imi": "IMI w/o SIM (baseline)", "imi_sim": "IMI w/ SIM",
          "imi_sim_composite": "SIM + composite (beyond the paper)"}


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
