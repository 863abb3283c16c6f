"""A seeded panel of SIMULATED crowd workers, answering an exported batch in each platform's own
results format, because no crowd can be reached from here.

Everything this module writes is marked simulated: the MTurk ``RequesterAnnotation`` is
``aimi-simulated`` and a ``Simulated`` column is added, Label Studio annotations and tasks carry
``meta.simulated``, Appen rows a ``simulated`` column. A private ``simulated_key.jsonl`` records
what each answer was meant to be (valid, or which kind of invalid answer), so cleaning can be
measured against it. It is never evidence about real people.

Personas (share of the panel): terse, plain, polite, chatty, careless (typos, lower case),
non-native (dropped articles, odd prepositions), spammer (one text for everything). Wording comes
from :mod:`lexicon` (the same table cleaning checks against); typos never touch the words that
name the change. Invalid answers, at persona-dependent rates: empty, placeholder, copy of the
example, another language, off-topic, and the spammer's reused text.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..attributes import pick, seeded_rng
from .export import EXAMPLE
from ..files import write_atomic, write_json
from .ingest import SIMULATED_MARK
from .lexicon import NO_CHANGE, NOUNS, VALUES, words

PERSONAS = {  # share of the panel, median seconds per answer, chance of an invalid answer
    "terse": (0.18, 14, 0.04),
    "plain": (0.24, 25, 0.03),
    "polite": (0.14, 32, 0.03),
    "chatty": (0.12, 55, 0.04),
    "careless": (0.12, 9, 0.15),
    "non_native": (0.15, 40, 0.05),
    "spammer": (0.05, 4, 1.0),
}
INVALID_KINDS = ("empty", "placeholder", "example", "other_language", "off_topic")
PLACEHOLDERS = ["none", "same", "ok", "n/a", "no difference", "nothing", "good", "idk", "."]
OTHER_LANGUAGE = ["cambia el color del pelo", "mettez des lunettes rondes", "mach die haare rot",
                  "cambie la camisa por favor", "change la couleur du fond", "dale una barba",
                  "metti gli occhiali", "trocar a cor da pele"]
OFF_TOPIC = ["nice avatar", "this is a fun hit", "I like the colours", "cool picture lol",
             "thanks for the task", "looks good to me", "great work", "what a cute character"]
SPAM = ["good", "nice", "change it", "ok done", "very nice picture"]
_PRONOUNS = [("him", "his", "he"), ("her", "her", "she"), ("them", "their", "they"),
             ("the avatar", "the avatar's", "the avatar"), ("the character", "the character's", "the character"),
             ("this person", "this person's", "this person"), ("the guy", "the guy's", "the guy"),
             ("the girl", "the girl's", "the girl"), ("the cartoon", "the cartoon's", "the cartoon"),
             ("our friend", "our friend's", "our friend"), ("the figure", "the figure's", "the figure")]
_VERBS = ["change", "alter", "modify", "adjust", "update", "tweak", "switch", "convert", "transform",
          "edit", "revise", "set", "redo", "rework", "redesign", "amend", "shift", "flip"]
_ADVERBS = ["", "", "", "", "quickly ", "slightly ", "completely ", "definitely ", "maybe ", "perhaps ",
            "probably ", "really ", "carefully ", "gently ", "totally ", "honestly ", "a bit ", "instantly ",
            "actually ", "basically ", "subtly ", "boldly ", "neatly ", "clearly ", "obviously ",
            "essentially ", "merely ", "promptly ", "swiftly ", "roughly "]
_COLOUR_ATTRIBUTES = {"hat_color", "hair_color", "facial_hair_color", "skin_color", "clothing_color",
                      "background_color"}
_FILLERS = ["", "", "", "just ", "now ", "simply ", "please ", "also ", "okay, ", "so ", "hey, ",
            "right, ", "first, ", "next, ", "then ", "basically "]
_ENDINGS = ["", "", "", ".", ".", "!", " please.", " instead.", " this time.", " now.", " right away.",
            " for me.", " if you can.", " as well.", " thanks a lot.", " cheers!", " ty", " asap.",
            " and that's it.", " - done.", " thx.", " overall.", " entirely.", " afterwards."]
_CHATTY_OPEN = ["Hmm, I think we should ", "Okay so let's ", "I would love to ", "Honestly, just ",
                "Alright, time to ", "For this one, ", "Ooh, let's ", "My idea: ", "So basically, ",
                "I'd say ", "What if we ", "Let me think... ", "Looking closely, you need to ",
                "Comparing both pictures, ", "The only thing I notice: ", "Easy one - ",
                "After staring for a while, I'd ", "Spot the difference! Answer: ", "Right, so ",
                "From left to right you ", "If I were the artist I would ", "Well, "]
_CHATTY_CLOSE = [" - that would look great!", ", it would suit the avatar better.", ". Looks cooler that way!",
                 " because it fits the style.", ", just for fun.", " and it'll be perfect :)",
                 " so it stands out more.", ", which I think is nicer.", " to make it friendlier.",
                 ". That's the only difference I can spot.", ". Everything else stays exactly as it is.",
                 ", nothing more.", " and leave the rest untouched.", ". Pretty subtle, took me a minute!",
                 ". Hope that helps.", ", otherwise identical.", " - easy to miss!", ". Fun task :)",
                 ", a small but noticeable tweak.", ", the rest looks unchanged."]
_MOODS = ["friendly", "professional", "relaxed", "stylish", "mysterious", "cheerful", "serious", "casual",
          "elegant", "sporty", "artistic", "bold", "warm", "edgy", "classy", "playful", "calm", "confident",
          "retro", "modern", "youthful", "quirky", "distinguished", "approachable", "trendy", "rebellious",
          "sophisticated", "goofy", "grumpy", "adventurous", "mature", "innocent", "fierce", "gentle",
          "charming", "dramatic", "festive", "wintry", "summery", "vibrant", "muted", "whimsical", "nerdy",
          "scholarly", "cosy", "rugged", "sleek", "polished", "laid-back", "spooky", "sunny", "moody",
          "energetic", "sleepy", "curious", "wise", "fancy", "humble", "punk", "hipster", "vintage",
          "futuristic", "heroic", "villainous", "romantic", "cheeky", "shy", "brave", "zany", "dapper"]
_REASONS = [" so {p} looks more {m}", " for a more {m} vibe", " to seem {m}", " - more {m} that way",
            ", giving a {m} feel", " which feels {m}"]
_POLITE = ["Please {s}", "Could you {s}?", "Can you please {s}?", "I'd like you to {s}, thanks",
           "Would you {s}?", "Kindly {s}", "If possible, {s}", "{S}, please", "Please, {s}. Thank you!",
           "Would you mind if we {s}?", "I'd appreciate it if you could {s}", "May I ask you to {s}?",
           "Please be so kind and {s}", "Could you possibly {s}? Many thanks", "{S}, if you don't mind",
           "Please go ahead and {s}", "It would be great if you could {s}"]


@dataclass(frozen=True)
class Worker:
    worker_id: str
    persona: str


def make_panel(seed: int, size: int = 60) -> list[Worker]:
    """``size`` simulated workers with personas drawn by their panel shares (seeded)."""
    rng = seeded_rng("panel", seed, 0)
    names, shares = list(PERSONAS), [PERSONAS[p][0] for p in PERSONAS]
    panel = []
    for k in range(size):
        persona = "spammer" if k == 0 else pick(rng, names, shares)  # always one spammer
        digest = hashlib.sha256(f"aimi-sim/{seed}/{k}".encode()).hexdigest()[:12].upper()
        panel.append(Worker(f"SIM{digest}", persona))
    return panel


# --- wording -----------------------------------------------------------------------------------

def _phrase(rng: random.Random, attribute: str, value: str) -> str:
    return pick(rng, VALUES[attribute][value][0])


def _bare(phrase: str) -> str:
    for article in ("a ", "an ", "the "):
        if phrase.startswith(article):
            return phrase[len(article):]
    return phrase


def _change_sentence(rng: random.Random, attribute: str, old: str | None, new: str) -> str:
    """One imperative sentence asking for ``attribute`` to become ``new`` (lower case start)."""
    obj, poss, subj = pick(rng, _PRONOUNS)
    noun = pick(rng, NOUNS[attribute])
    verb = pick(rng, _VERBS)
    to = _phrase(rng, attribute, new)
    frm = _phrase(rng, attribute, old) if old and old != "none" else None
    if attribute in _COLOUR_ATTRIBUTES:
        to, frm = _bare(to), frm and _bare(frm)
        colour_word = "" if noun.endswith(("colour", "color")) else " colour"
        options = [f"make {poss} {noun} {to}", f"{verb} the {noun} to {to}", f"turn the {noun} {to}",
                   f"paint the {noun} {to}", f"give {obj} a {to} {noun}", f"the {noun} should be {to}",
                   f"recolour the {noun} {to}", f"switch the {noun} to {to}", f"{to} {noun}",
                   f"set the {noun}{colour_word} to {to}", f"color {poss} {noun} {to}",
                   f"{subj} needs a {to} {noun}", f"use {to} for the {noun}"]
        if frm:
            options += [f"change the {noun} from {frm} to {to}", f"swap the {frm} {noun} for a {to} one",
                        f"go from {frm} to {to} on the {noun}", f"replace the {frm} with {to} on the {noun}"]
        if attribute == "hair_color":
            options += [f"dye {poss} hair {to}", f"{subj} should dye {poss} hair {to}"]
        return _agree(pick(rng, options))
    if new == "none":
        old_phrase = _bare(_phrase(rng, attribute, old))
        verbs = ["remove", "take off", "get rid of"] if attribute != "facial_hair" else ["shave off", "remove", "get rid of"]
        verb = pick(rng, verbs)
        options = [f"{verb} {poss} {old_phrase}", f"{verb} the {noun}", f"{subj} should be without {noun}",
                   f"{verb} the {old_phrase} please", f"no {noun} - {verb} it", f"{verb} {poss} {noun} entirely"]
        return _agree(pick(rng, options))
    options = [f"give {obj} {to}", f"{verb} {poss} {noun} to {to}", f"put {to} on {obj}",
               f"{subj} should have {to}", f"let {obj} have {to}", f"make it {to}",
               f"{to} instead", f"switch to {to}", f"try {to}", f"go with {to}",
               f"add {to}" if not frm else f"replace {poss} {_bare(frm)} with {to}"]
    if frm:
        options += [f"swap the {_bare(frm)} for {to}", f"change the {_bare(frm)} into {to}",
                    f"instead of {frm}, {subj} should have {to}"]
    if attribute in ("accessory", "clothing", "top"):
        options += [f"make {obj} wear {to}", f"dress {obj} in {to}" if attribute == "clothing" else f"{subj} wears {to} now"]
    if attribute in ("eyes", "mouth", "eyebrows"):
        options += [f"{subj} should have {to} instead", f"draw {to}", f"show {to}"]
    return _agree(pick(rng, options))


def _agree(text: str) -> str:
    """Subject-verb agreement for "they" (the templates are written for he/she)."""
    for wrong, right in (("they needs", "they need"), ("they wears", "they wear")):
        text = text.replace(wrong, right)
    return text


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = 1 + int(rng.random() * (len(word) - 2))
    kind = int(rng.random() * 3)
    if kind == 0:
        return word[:i] + word[i + 1:]  # dropped letter
    if kind == 1:
        return word[:i] + word[i] + word[i:]  # doubled letter
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]  # swapped letters


def _careless(rng: random.Random, text: str, protected: set[str]) -> str:
    out = []
    for token in text.lower().split(" "):
        bare = token.strip(".,!?")
        if bare and bare not in protected and rng.random() < 0.25:
            token = token.replace(bare, _typo(rng, bare))
        out.append(token)
    return " ".join(out).rstrip(".!")


def _non_native(rng: random.Random, text: str) -> str:
    tokens = [t for t in text.split(" ") if not (t in ("a", "an", "the") and rng.random() < 0.7)]
    text = " ".join(tokens)
    for a, b in (("make ", "make to "), ("change ", "please change "), ("should have", "need to have"),
                 ("give ", "please give to "), ("put ", "put for ")):
        if text.startswith(a) and rng.random() < 0.5:
            text = b + text[len(a):]
            break
    return text + pick(rng, ["", ".", " please", " pls"])


def _reason(rng: random.Random) -> str:
    return pick(rng, _REASONS).replace("{p}", pick(rng, ["he", "she", "it", "the avatar"])).replace(
        "{m}", pick(rng, _MOODS))


def write_answer(rng: random.Random, worker: Worker, attribute: str | None, old: str | None,
                 new: str | None, spam_text: str) -> tuple[str, str]:
    """(answer, what it is: "valid" or an invalid kind). ``attribute`` None: a no-change item."""
    persona = worker.persona
    if persona == "spammer":
        return spam_text, "spam"
    if rng.random() < PERSONAS[persona][2]:
        kind = pick(rng, INVALID_KINDS)
        return {"empty": "", "placeholder": pick(rng, PLACEHOLDERS), "example": EXAMPLE,
                "other_language": pick(rng, OTHER_LANGUAGE), "off_topic": pick(rng, OFF_TOPIC)}[kind], kind
    if attribute is None:
        core = pick(rng, NO_CHANGE)
    else:
        core = _change_sentence(rng, attribute, old, new)
    protected = set(words(" ".join(VALUES[attribute][new][0] + VALUES[attribute][new][1]))) if attribute else \
        set(words(" ".join(NO_CHANGE)))
    if persona == "terse":
        short = _bare(_phrase(rng, attribute, new)) if attribute else core
        text = pick(rng, [core, f"{short} pls", f"add {short}" if attribute else core, f"{short} instead",
                          f"{short} now", f"new: {short}", f"-> {short}", f"just {short}", f"only {short}",
                          f"to {short}", f"{short}!", f"{short} plz", f"want {short}", f"{short} needed"])
    elif persona == "plain":
        text = pick(rng, _FILLERS) + pick(rng, _ADVERBS) + core
        if rng.random() < 0.3:
            text += _reason(rng)
        text = text[0].upper() + text[1:] + pick(rng, _ENDINGS)
    elif persona == "polite":
        template = pick(rng, _POLITE)
        core = core + (_reason(rng) if rng.random() < 0.2 else "")
        text = template.replace("{s}", core).replace("{S}", core[0].upper() + core[1:])
        text = text[0].upper() + text[1:]
    elif persona == "chatty":
        text = pick(rng, _CHATTY_OPEN) + core + (_reason(rng) if rng.random() < 0.4 else "") + pick(rng, _CHATTY_CLOSE)
    elif persona == "careless":
        text = _careless(rng, core, protected)
    else:
        text = _non_native(rng, core)
    return text, "valid"


# --- answering an export -----------------------------------------------------------------------

def _fmt_mturk(moment: datetime) -> str:
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y")


MTURK_COLUMNS = ["HITId", "HITTypeId", "Title", "Description", "Keywords", "Reward", "CreationTime",
                 "MaxAssignments", "RequesterAnnotation", "AssignmentDurationInSeconds",
                 "AutoApprovalDelayInSeconds", "Expiration", "NumberOfSimilarHITs", "LifetimeInSeconds",
                 "AssignmentId", "WorkerId", "AssignmentStatus", "AcceptTime", "SubmitTime",
                 "AutoApprovalTime", "ApprovalTime", "RejectionTime", "RequesterFeedback",
                 "WorkTimeInSeconds", "LifetimeApprovalRate", "Last30DaysApprovalRate",
                 "Last7DaysApprovalRate"]
APPEN_COLUMNS = ["_unit_id", "_created_at", "_golden", "_id", "_missed", "_started_at", "_tainted",
                 "_channel", "_trust", "_worker_id", "_country", "_region", "_city", "_ip", "instruction",
                 "pair_id", "source_url", "target_url", "simulated"]


def simulate(export_dir: str | Path, out: str | Path, seed: int = 0, panel_size: int = 60,
             platforms: tuple[str, ...] | None = None) -> dict:
    """Answer every batch of the export in ``export_dir`` for each exported platform; write the
    platforms' results files and ``simulated_key.jsonl`` into ``out``. Returns counts."""
    export_dir, out = Path(export_dir), Path(out)
    try:
        manifest = json.loads((export_dir / "manifest.json").read_text())
        items = [json.loads(line) for line in (export_dir / "items.jsonl").read_text().splitlines()]
    except FileNotFoundError as e:
        raise ValueError(f"{e.filename} not found: {export_dir} is not an export folder "
                         f"(python -m collection export)") from None
    options = manifest["options"]
    platforms = tuple(platforms or options["platforms"])
    panel = make_panel(seed, panel_size)
    cap = options.get("max_per_worker")
    assignments = options["assignments"]
    if assignments > panel_size:
        raise ValueError(f"{assignments} assignments per item need at least as many workers; "
                         f"the panel has {panel_size} (--workers)")
    key_rows, counts = [], {}
    for platform in platforms:
        rng = seeded_rng(f"simulate-{platform}", seed, 0)
        spam = {w.worker_id: pick(rng, SPAM) for w in panel if w.persona == "spammer"}
        done = {w.worker_id: 0 for w in panel}
        clock = datetime(2026, 1, 5, 14, 0, 0, tzinfo=timezone.utc)
        judgments = []
        for n, item in enumerate(items):
            eligible = [w for w in panel if cap is None or done[w.worker_id] < cap]
            if len(eligible) < assignments:
                raise ValueError(f"the per-worker cap {cap} leaves too few workers for item {n + 1}; "
                                 f"simulate more workers (--workers)")
            chosen = sorted(eligible, key=lambda _: rng.random())[:assignments]
            for worker in chosen:
                done[worker.worker_id] += 1
                attribute = item["attribute"] if item["kind"] != "distractor" else None
                text, meaning = write_answer(rng, worker, attribute, item["from_value"], item["to_value"],
                                             spam.get(worker.worker_id, ""))
                median = PERSONAS[worker.persona][1]
                seconds = max(2, int(median * rng.lognormvariate(0, 0.45)))
                clock += timedelta(seconds=int(rng.random() * 40))
                assignment = _assignment_id(platform, seed, n, worker, len(judgments) + 1)
                judgments.append({"item": item, "worker": worker, "answer": text, "seconds": seconds,
                                  "submit": clock, "assignment": assignment})
                key_rows.append({"platform": platform, "assignment_id": assignment, "item_id": item["item_id"],
                                 "worker_id": worker.worker_id, "persona": worker.persona, "meaning": meaning,
                                 "simulated": True})
        writer = {"mturk": _write_mturk, "labelstudio": _write_labelstudio, "appen": _write_appen}[platform]
        writer(judgments, out, export_dir, rng)
        counts[platform] = len(judgments)
    write_atomic(out / "simulated_key.jsonl", "".join(json.dumps(r) + "\n" for r in key_rows))
    summary = {"simulated": True, "seed": seed, "panel": panel_size, "answers": counts,
               "personas": {p: sum(w.persona == p for w in panel) for p in PERSONAS}}
    write_json(out / "simulated_summary.json", summary)
    return summary


def _assignment_id(platform: str, seed: int, item_number: int, worker: Worker, number: int) -> str:
    """The id each platform gives a judgment: MTurk a 30-character string, Label Studio an
    annotation number, Appen a judgment number."""
    if platform == "mturk":
        return "3SIM" + hashlib.sha256(f"{seed}/{item_number}/{worker.worker_id}".encode()).hexdigest()[:26].upper()
    if platform == "labelstudio":
        return str(number)
    return str(9_000_000 + number)


def _rows_by_item(folder: Path, pattern: str) -> dict[str, dict]:
    rows = {}
    for path in sorted(folder.glob(pattern)):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                rows[row["pair_id"]] = row
    return rows


def _write_mturk(judgments, out: Path, export_dir: Path, rng) -> None:
    inputs = _rows_by_item(export_dir / "mturk", "batch-*.csv")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(MTURK_COLUMNS + ["Input.pair_id", "Input.source_url", "Input.target_url",
                                     "Answer.instruction", "Approve", "Reject", "Simulated"])
    for j in judgments:
        item_id = j["item"]["item_id"]
        row = inputs[item_id]
        hit = "3SIM" + hashlib.sha256(item_id.encode()).hexdigest()[:26].upper()
        accept = j["submit"] - timedelta(seconds=j["seconds"])
        writer.writerow([hit, "3SIMTYPE", "Describe the change between two avatars",
                         "Write an instruction", "avatar,image,instruction", "$0.05",
                         _fmt_mturk(accept - timedelta(hours=1)), "3", SIMULATED_MARK, "600", "259200",
                         _fmt_mturk(accept + timedelta(days=3)), "", "259200", j["assignment"],
                         j["worker"].worker_id, "Submitted", _fmt_mturk(accept), _fmt_mturk(j["submit"]),
                         _fmt_mturk(j["submit"] + timedelta(days=3)), "", "", "", str(j["seconds"]),
                         "100% (10/10)", "100% (10/10)", "100% (3/3)",
                         row["pair_id"], row["source_url"], row["target_url"], j["answer"], "", "", "true"])
    write_atomic(out / "mturk-results.csv", buf.getvalue())


def _write_labelstudio(judgments, out: Path, export_dir: Path, rng) -> None:
    tasks: dict[str, dict] = {}
    for path in sorted((export_dir / "labelstudio").glob("tasks-*.json")):
        for task in json.loads(path.read_text()):
            tasks[task["data"]["pair_id"]] = task["data"]
    exported: dict[str, dict] = {}
    for j in judgments:
        item_id = j["item"]["item_id"]
        task = exported.setdefault(item_id, {"id": len(exported) + 1, "data": tasks[item_id],
                                             "meta": {"simulated": True}, "annotations": []})
        worker_number = int(j["worker"].worker_id[3:9], 16) % 100000
        task["annotations"].append({
            "id": int(j["assignment"]), "completed_by": worker_number, "was_cancelled": False, "ground_truth": False,
            "created_at": j["submit"].strftime("%Y-%m-%dT%H:%M:%S.000000Z"), "lead_time": float(j["seconds"]),
            "result": [{"from_name": "instruction", "to_name": "source", "type": "textarea",
                        "value": {"text": [j["answer"]]}}],
            "meta": {"simulated": True, "worker_id": j["worker"].worker_id}})
    write_atomic(out / "labelstudio-export.json", json.dumps(list(exported.values()), indent=1) + "\n")


def _write_appen(judgments, out: Path, export_dir: Path, rng) -> None:
    inputs = _rows_by_item(export_dir / "appen", "job-*.csv")
    units = {item_id: 3_000_000 + k for k, item_id in enumerate(inputs)}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(APPEN_COLUMNS)
    for n, j in enumerate(judgments, start=1):
        row = inputs[j["item"]["item_id"]]
        started = j["submit"] - timedelta(seconds=j["seconds"])
        tainted = j["worker"].persona == "spammer" and rng.random() < 0.5
        writer.writerow([units[row["pair_id"]], j["submit"].strftime("%m/%d/%Y %H:%M:%S"),
                         "true" if row.get("_golden") == "TRUE" else "false", j["assignment"], "",
                         started.strftime("%m/%d/%Y %H:%M:%S"), "true" if tainted else "false", "sim",
                         "0.5" if tainted else "0.95", int(j["worker"].worker_id[3:9], 16), "SIM", "", "",
                         f"192.0.2.{n % 250 + 1}", j["answer"], row["pair_id"], row["source_url"],
                         row["target_url"], "true"])
    write_atomic(out / "appen-full-report.csv", buf.getvalue())


# --- measuring the panel -----------------------------------------------------------------------

_SLOT_WORDS = None
# Words that shape a sentence rather than name its content: they stay visible in a pattern.
_FUNCTION_WORDS = {"to", "on", "in", "of", "with", "and", "only", "one", "up", "no", "off", "take",
                   "remove", "removed", "get", "rid", "without", "for", "over", "out", "it", "at",
                   "very", "some", "nothing", "same", "change", "make", "give", "put", "add", "set"}
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)?|[^\sa-z0-9]+")


def _slot_words() -> set[str]:
    global _SLOT_WORDS
    if _SLOT_WORDS is None:
        found = set()
        for table in VALUES.values():
            for phrases, keys in table.values():
                found.update(words(" ".join(phrases + keys)))
        for nouns in NOUNS.values():
            found.update(words(" ".join(nouns)))
        found.update(words(" ".join(" ".join(p) for p in _PRONOUNS)))
        found.update({"a", "an", "the"})
        _SLOT_WORDS = found - _FUNCTION_WORDS
    return _SLOT_WORDS


def pattern(text: str) -> str:
    """The phrasing of an instruction with what it talks about abstracted away: words naming
    attributes and values, pronouns and articles become "_" (runs collapse); function words and
    punctuation stay."""
    out: list[str] = []
    for w in _TOKEN.findall(text.lower()):
        token = "_" if w in _slot_words() else w
        if not (token == "_" and out and out[-1] == "_"):
            out.append(token)
    return " ".join(out)


def panel_figures(answers: list[tuple[str, str | None, str | None]]) -> dict:
    """Figures over valid answers (text, attribute, to_value): word types, distinct share, the
    largest phrasing pattern's share and the share that names the change (:func:`names_change`)."""
    from collections import Counter

    from .lexicon import names_change

    texts = [a[0] for a in answers]
    vocabulary = Counter(w for t in texts for w in words(t))
    patterns = Counter(pattern(t) for t in texts)
    top_pattern, top_count = patterns.most_common(1)[0]
    return {
        "simulated": True,
        "valid_answers": len(texts),
        "word_types": len(vocabulary),
        "distinct_share": round(len(set(t.lower().strip() for t in texts)) / len(texts), 4),
        "largest_pattern": top_pattern,
        "largest_pattern_share": round(top_count / len(texts), 4),
        "names_change_share": round(sum(names_change(t, a, v) for t, a, v in answers) / len(texts), 4),
    }


def measure_panel(n: int = 5000, seed: int = 0, panel_size: int = 60) -> dict:
    """Answer ``n`` random one-attribute changes (one answer each, no rendering needed) and
    return :func:`panel_figures` of the valid ones."""
    from ..attributes import attribute as attribute_of, sample_spec
    from ..pairs import changeable

    rng = seeded_rng("measure-panel", seed, 0)
    panel = [w for w in make_panel(seed, panel_size) if w.persona != "spammer"]
    valid = []
    for _ in range(n):
        spec = sample_spec(rng)
        name = pick(rng, changeable(spec))
        old = getattr(spec, name)
        new = pick(rng, [v for v in attribute_of(name).values if v != old])
        text, meaning = write_answer(rng, pick(rng, panel), name, old, new, "")
        if meaning == "valid":
            valid.append((text, name, new))
    return panel_figures(valid)
