"""The leaderboard, built from result files only (``results-<split>.json`` of ``evaluate``,
``results-sessions.json`` of ``evaluate --sessions`` and ``study.json`` of the preference study):
Markdown, CSV and HTML.

One row per (model, preset, split): the seeds, n, the data, code and evaluator versions, and each
metric as "value [95% interval]" (one seed) or "mean ± sd (k seeds)". The identity floor is a row
of its own, read from the results (every evaluation carries it). Nothing is typed in by hand.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from collection.files import write_atomic
from collection.safety import csv_cell

from ..evaluation.metrics import METRICS

ORDER = ("mse", "mse_changed", "mse_unchanged", "mask_iou", "edit_acc", "edit_acc_observable", "keep_acc")
ARROW = {"lower": "↓", "higher": "↑"}


def read_results(paths) -> tuple[list[dict], list[dict]]:
    """(evaluation results, preference studies) from ``paths`` (files or folders searched for
    ``results-*.json`` and ``study.json``); sessions results are left to ``read_all``."""
    found = read_all(paths)
    return found["results"], found["studies"]


def read_all(paths) -> dict[str, list[dict]]:
    """{"results": one-step evaluations, "studies": preference studies, "sessions": multi-turn
    results} from ``paths`` (files, or folders searched for ``results-*.json`` and ``study.json``)."""
    results, studies, sessions = [], [], []
    for path in map(Path, paths):
        files = sorted(path.glob("**/results-*.json")) + sorted(path.glob("**/study.json")) if path.is_dir() else [path]
        if not files:
            raise FileNotFoundError(f"no results-*.json or study.json under {path}; run `python -m benchmark evaluate`")
        for file in files:
            data = json.loads(file.read_text())
            if data.get("kind") == "preference":
                studies.append(data)
            elif data.get("kind") == "sessions" and "variants" in data and "model" in data:
                sessions.append(data)
            elif "metrics" in data and "model" in data:
                results.append(data)
            else:
                raise ValueError(f"{file} is neither an evaluation result nor a preference study")
    return {"results": results, "studies": studies, "sessions": sessions}


SESSION_CELL = ("edit_acc", "all_edits", "keep_acc")


def session_table(sessions: list[dict]) -> list[tuple[tuple, list[str], list[list[str]]]]:
    """Per preset: one row per (model, variant), the identity floor's first, with "edit / all
    edits so far / keep" at each turn and the MSE at the last turn (mean over seeds)."""
    groups: dict[tuple, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in sessions:
        groups[(r.get("preset"), r["n"])][r["model"]].append(r)
    tables = []
    for key in sorted(groups, key=lambda k: (str(k[0]), k[1])):
        models = groups[key]
        first = next(iter(models.values()))[0]
        turns = first["turns"]
        head = ["model", "variant", *[f"turn {t}" for t in range(1, turns + 1)], f"mse at turn {turns} ↓"]
        entries = [("identity (floor)", "identity", [first])] if "identity" not in models else []
        entries += [(m, "metrics", rs) for m, rs in sorted(models.items(), key=lambda kv: (kv[0] != "identity", kv[0]))]
        rows = []
        for label, who, members in entries:
            for variant in ("fed_back", "teacher_forced"):
                present = [m for m in members if variant in m["variants"]]
                if not present:
                    continue

                def mean(metric, t):
                    values = [m["variants"][variant]["turns"][t][who][metric]["value"] for m in present]
                    values = [v for v in values if v is not None]
                    return np.mean(values) if values else None

                cells = [label + (f" ({len(present)} seeds)" if len(present) > 1 else ""), variant.replace("_", " ")]
                for t in range(turns):
                    cells.append(" / ".join("–" if mean(k, t) is None else f"{mean(k, t):.2f}" for k in SESSION_CELL))
                last = mean("mse", turns - 1)
                cells.append("–" if last is None else f"{last:.4f}")
                rows.append(cells)
        tables.append((key, head, rows))
    return tables


def _cell(stats: list[dict]) -> tuple[str, dict]:
    values = [s["value"] for s in stats if s and s.get("value") is not None]
    if not values:
        return "–", {}
    if len(stats) == 1:
        s = stats[0]
        return f"{s['value']:.4g} [{s['low']:.4g}, {s['high']:.4g}]", {"value": s["value"], "low": s["low"],
                                                                       "high": s["high"], "sd": None}
    mean, sd = float(np.mean(values)), float(np.std(values, ddof=1))
    return f"{mean:.4g} ± {sd:.2g} ({len(values)} seeds)", {"value": mean, "low": None, "high": None, "sd": sd}


def build_rows(results: list[dict]) -> list[dict]:
    """Rows of the table: identity floor first, then the models by preset and name."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in results:
        groups[(r["model"], r.get("preset"), r["split"])].append(r)
    floors: dict[tuple, list[dict]] = defaultdict(list)
    for r in results:
        if r["model"] != "identity":
            floors[(r.get("preset"), r["split"])].append(r)
    rows = []
    for (preset, split), members in sorted(floors.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        if ("identity", preset, split) in groups:
            continue
        first = members[0]
        rows.append(_row("identity (floor)", preset, split, [first], metrics_key="identity"))
    for (model, preset, split), members in sorted(groups.items(), key=lambda kv: (str(kv[0][1]), kv[0][2],
                                                                                   kv[0][0] != "identity", kv[0][0])):
        rows.append(_row(model, preset, split, sorted(members, key=lambda r: (r.get("seed") is None, r.get("seed")))))
    return rows


def _row(model, preset, split, members, metrics_key="metrics") -> dict:
    row = {"model": model, "preset": preset, "split": split,
           "seeds": ",".join(str(m.get("seed")) for m in members) if metrics_key == "metrics" else "–",
           "n": members[0]["n"],
           "trained_on": ",".join(sorted({_trained_on(m, metrics_key) for m in members})),
           "data_version": ",".join(sorted({str(m["data_version"]) for m in members})),
           "code_version": ",".join(sorted({str(m.get("code_version")) for m in members})),
           "evaluator_version": ",".join(sorted({str(m["evaluator_version"]) for m in members})),
           "cells": {}, "numbers": {}}
    for name in ORDER:
        stats = [m[metrics_key].get(name) for m in members if m[metrics_key].get(name)]
        if stats:
            row["cells"][name], row["numbers"][name] = _cell(stats)
    return row


def attribute_table(results: list[dict]) -> list[tuple[tuple, list[str], list[list[str]]]]:
    """Per (preset, split): the changed attributes (with their n) and one row per model (the
    identity floor first) of "edit / keep" accuracy on the items changing that attribute (mean
    over seeds). Results without per-attribute scores (evaluator 1) are left out."""
    groups: dict[tuple, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        if r.get("per_attribute"):
            groups[(r.get("preset"), r["split"])][r["model"]].append(r)
    tables = []
    for key in sorted(groups, key=lambda k: (str(k[0]), k[1])):
        models = groups[key]
        first = next(iter(models.values()))[0]["per_attribute"]
        attributes = sorted(first["model"])
        head = [f"{a} (n={first['model'][a].get('edit_acc', first['model'][a]['mse'])['n']})" for a in attributes]
        entries = ([("identity (floor)", [first["identity"]])] if "identity" not in models else []) + \
            [(m, [r["per_attribute"]["model"] for r in rs]) for m, rs in sorted(models.items(),
                                                                              key=lambda kv: (kv[0] != "identity", kv[0]))]
        rows = []
        for model, tables_of_seeds in entries:
            cells = [model]
            for a in attributes:
                parts = []
                for name in ("edit_acc", "keep_acc"):
                    values = [t[a][name]["value"] for t in tables_of_seeds
                              if a in t and name in t[a] and t[a][name]["value"] is not None]
                    parts.append(f"{np.mean(values):.2f}" if values else "–")
                cells.append(" / ".join(parts))
            rows.append(cells)
        tables.append((key, head, rows))
    return tables


def _trained_on(result: dict, metrics_key: str = "metrics") -> str:
    """What a row's model learnt from: the paper's data, or also pairs rendered here; the ceiling
    is marked as using the renderer at inference."""
    if metrics_key != "metrics":
        return "–"
    return result.get("training_data", "paper") + (" + renderer at inference"
                                                    if result.get("uses_renderer_at_inference") else "")


def _study_lines(studies: list[dict]) -> list[str]:
    lines = []
    for s in studies:
        label = "SIMULATED raters" if s.get("simulated") else "human raters"
        share = s["prefer"]
        lines.append(f"{s['model_b']} vs {s['model_a']} ({label}, {s['ratings']} ratings of {s['items']} items): "
                     f"{100 * share['b']['value']:.1f}% prefer {s['model_b']} "
                     f"[{100 * share['b']['low']:.1f}, {100 * share['b']['high']:.1f}], "
                     f"{100 * share['a']['value']:.1f}% prefer {s['model_a']}; sign test p = {s['sign']['p']:.3g}, "
                     f"Wilcoxon p = {s['wilcoxon']['p']:.3g}, position bias {s['position_bias']['value']:+.2f}, "
                     f"Krippendorff's alpha (ordinal) {s['alpha_ordinal']:.2f}")
    return lines


SESSIONS_NOTE = ("Each turn: edit accuracy of the turn's change / all edits so far (every attribute edited so far "
                 "reads as its latest value) / keep accuracy of the attributes never edited so far. Fed back: each "
                 "turn edits the model's own previous output; teacher forced: the ground truth's.")


def markdown(rows: list[dict], studies: list[dict], attributes=(), sessions=()) -> str:
    present = [n for n in ORDER if any(n in r["cells"] for r in rows)]
    head = ["model", "trained on", "preset", "split", "seeds", "n",
            *[f"{n} {ARROW[METRICS[n][0]]}" for n in present], "data", "code", "evaluator"]
    out = ["# AIMI leaderboard", "",
           "Built from result files by `python -m benchmark leaderboard`. Each metric: value [95% bootstrap "
           "interval over items] for one seed, mean ± sd over seeds otherwise; ↓ lower is better, ↑ higher. "
           "The instructions of every data version are simulated.", "",
           "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["model"], r["trained_on"], str(r["preset"]), r["split"], r["seeds"], str(r["n"]),
                 *[r["cells"].get(n, "–") for n in present], r["data_version"], r["code_version"],
                 r["evaluator_version"]]
        # Markdown renders HTML: escape it, and the pipe that would split a cell
        out.append("| " + " | ".join(html.escape(c, quote=False).replace("|", "\\|") for c in cells) + " |")
    for (preset, split), head, table in attributes:
        out += ["", f"## Per changed attribute: edit / keep accuracy ({preset} preset, {split} split)", "",
                "| " + " | ".join(["model", *head]) + " |", "|" + "---|" * (len(head) + 1)]
        out += ["| " + " | ".join(html.escape(c, quote=False).replace("|", "\\|") for c in cells) + " |"
                for cells in table]
    for (preset, n), head, table in sessions:
        out += ["", f"## Multi-turn sessions ({preset} preset, {n} sessions)", "", SESSIONS_NOTE, "",
                "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(html.escape(c, quote=False).replace("|", "\\|") for c in cells) + " |"
                for cells in table]
    if studies:
        out += ["", "## Preference study", ""] + [f"- {html.escape(line, quote=False)}" for line in _study_lines(studies)]
    return "\n".join(out) + "\n"


def csv_text(rows: list[dict]) -> str:
    buffer = io.StringIO()
    fields = ["model", "trained_on", "preset", "split", "seeds", "n", "data_version", "code_version",
              "evaluator_version"]
    for name in ORDER:
        fields += [name, f"{name}_low", f"{name}_high", f"{name}_sd"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        line = {k: csv_cell(str(r[k])) for k in fields[:9]}
        for name in ORDER:
            numbers = r["numbers"].get(name, {})
            for suffix, key in (("", "value"), ("_low", "low"), ("_high", "high"), ("_sd", "sd")):
                value = numbers.get(key)
                line[name + suffix] = "" if value is None else repr(float(value))
        writer.writerow(line)
    return buffer.getvalue()


def sessions_csv(sessions: list[dict]) -> str:
    """One line per (model, preset, seed, variant, turn, metric) of the sessions results, with
    value, interval and n (the identity floor as model "identity (floor)")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["model", "preset", "seed", "n", "variant", "turn", "metric", "value", "low", "high"])
    for r in sorted(sessions, key=lambda r: (str(r.get("preset")), r["model"], str(r.get("seed")))):
        for variant, data in r["variants"].items():
            for turn in data["turns"]:
                for who, label in (("metrics", r["model"]), ("identity", "identity (floor)")):
                    for metric, stat in turn[who].items():
                        writer.writerow([csv_cell(label), csv_cell(str(r.get("preset"))), r.get("seed"), r["n"], variant,
                                         turn["turn"], metric, *("" if stat.get(k) is None else repr(float(stat[k]))
                                                                 for k in ("value", "low", "high"))])
    return buffer.getvalue()


def html_text(rows: list[dict], studies: list[dict], attributes=(), sessions=()) -> str:
    present = [n for n in ORDER if any(n in r["cells"] for r in rows)]
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in ["model", "trained on", "preset", "split", "seeds", "n",
                                                    *[f"{n} {ARROW[METRICS[n][0]]}" for n in present],
                                                    "data", "code", "evaluator"])
    body = []
    for r in rows:
        cells = [r["model"], r["trained_on"], str(r["preset"]), r["split"], r["seeds"], str(r["n"]),
                 *[r["cells"].get(n, "–") for n in present], r["data_version"], r["code_version"],
                 r["evaluator_version"]]
        body.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    study = "".join(f"<li>{esc(line)}</li>" for line in _study_lines(studies))
    per_attribute = "".join(
        f"<h2>Per changed attribute: edit / keep accuracy ({esc(str(preset))} preset, {esc(split)} split)</h2>"
        "<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in ["model", *head]) + "</tr></thead><tbody>"
        + "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>" for cells in table)
        + "</tbody></table>\n" for (preset, split), head, table in attributes)
    per_session = "".join(
        f"<h2>Multi-turn sessions ({esc(str(preset))} preset, {n} sessions)</h2><p>{esc(SESSIONS_NOTE)}</p>"
        "<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr></thead><tbody>"
        + "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>" for cells in table)
        + "</tbody></table>\n" for (preset, n), head, table in sessions)
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>AIMI leaderboard</title>"
            "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
            "padding:3px 6px;font-size:13px}</style></head>\n<body><h1>AIMI leaderboard</h1>\n"
            "<p>Built from result files. Value [95% bootstrap interval] for one seed, mean ± sd over seeds "
            "otherwise. The instructions of every data version are simulated.</p>\n"
            f"<table><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table>\n"
            + per_attribute + per_session + (f"<h2>Preference study</h2><ul>{study}</ul>\n" if study else "") + "</body></html>\n")


def build_leaderboard(paths, out: str | Path) -> dict[str, Path]:
    """Write leaderboard.md, .csv and .html into ``out`` from the result files under ``paths``."""
    found = read_all(paths)
    results, studies = found["results"], found["studies"]
    if not results and not found["sessions"]:
        raise ValueError("no evaluation results among the inputs; run `python -m benchmark evaluate RUN` first")
    rows = build_rows(results)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = {"md": out / "leaderboard.md", "csv": out / "leaderboard.csv", "html": out / "leaderboard.html"}
    attributes, sessions = attribute_table(results), session_table(found["sessions"])
    write_atomic(files["md"], markdown(rows, studies, attributes, sessions), durable=False)
    write_atomic(files["csv"], csv_text(rows), durable=False)
    write_atomic(files["html"], html_text(rows, studies, attributes, sessions), durable=False)
    if sessions:
        files["sessions_csv"] = out / "leaderboard-sessions.csv"
        write_atomic(files["sessions_csv"], sessions_csv(found["sessions"]), durable=False)
    return files
