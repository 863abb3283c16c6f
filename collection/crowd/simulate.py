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

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..attributes import pick, seeded_rng
from .export import EXAMPLE
from ..files import write_atomic, write_json
from .platforms import PLATFORMS
from .task import Task, instruction_task
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
PRONOUNS = [("him", "his", "he"), ("her", "her", "she"), ("them", "their", "they"),
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


def _change_sentence(rng: random.Random, attribute: str, old: str | None, new: str, pronouns=PRONOUNS) -> str:
    """One imperative sentence asking for ``attribute`` to become ``new`` (lower case start)."""
    obj, poss, subj = pick(rng, pronouns)
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


def plain_request(rng: random.Random, attribute: str, new: str) -> str:
    """A plain sentence asking for ``attribute`` to become ``new`` that names no old value and picks no
    gendered pronoun, without the panel's typos and chatter: what an editor's parser restates a
    request as (benchmark.training.restate). A lexicon noun can still name one ("circle behind him",
    1.4% of sentences): ``restate.GENDERED`` drops those from the phrases it shows."""
    neutral = [p for p in PRONOUNS if p[0] not in ("him", "her", "the guy", "the girl")]
    if new != "none":
        return _change_sentence(rng, attribute, None, new, neutral)
    obj, poss, subj = pick(rng, neutral)
    noun = pick(rng, NOUNS[attribute])
    verb = pick(rng, ["shave off", "remove", "get rid of"] if attribute == "facial_hair" else ["remove", "take off",
                                                                                               "get rid of"])
    return _agree(pick(rng, [f"{verb} {poss} {noun}", f"{verb} the {noun}", f"{subj} should be without {noun}",
                             f"no {noun} - {verb} it", f"{verb} {poss} {noun} entirely"]))


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
    task = instruction_task(options["task_text"], options["example"], options["min_length"])
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
        _write_results(platform, task, judgments, out, export_dir, rng)
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


def _write_results(platform: str, task: Task, judgments: list[dict], out: Path, export_dir: Path, rng) -> None:
    """The platform's own results file for ``judgments``, through its module in ``platforms/``."""
    module = PLATFORMS[platform]
    inputs = module.read_batches(export_dir / platform, task)
    answers = []
    for j in judgments:
        worker = j["worker"]
        answer = {"inputs": inputs[j["item"]["item_id"]], "worker": worker.worker_id, "assignment": j["assignment"],
                  "submit": j["submit"], "seconds": j["seconds"], "answer": j["answer"]}
        if platform == "labelstudio":   # Label Studio numbers its annotations
            answer["assignment"] = int(j["assignment"])
        if platform == "appen":   # Appen numbers its contributors; some spammers are flagged later
            answer["worker"] = str(int(worker.worker_id[3:9], 16))
            answer["tainted"] = worker.persona == "spammer" and rng.random() < 0.5
        answers.append(answer)
    write_atomic(out / module.RESULTS, module.simulated_results(task, answers))
