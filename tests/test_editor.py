"""The where-and-how editor (edit_film, edit_tirg): shapes at every preset, the keep-mask, the
composite, one phase of supervised steps lowering every term, and its training data stream."""

import numpy as np
import pytest
import torch

from baselines import MODELS, PRESETS, get_model
from benchmark.training.rendered import RENAMED, RenderedPairs, colour_synonyms, rename_colour
from benchmark.training.steps import supervised_step
from benchmark.training.batches import attribute_values as _attribute_values, change_labels
from collection import ATTRIBUTE_NAMES, attribute, make_pair

DATA = {"vocab_size": 50, "attribute_values": _attribute_values()}
EDITORS = [name for name in MODELS if name.startswith("edit")]


TEXTS = ["make the hair red", "give him round glasses", "a crimson hat", "no beard", "curly afro please",
         "blond", "sad eyebrows", "a pink background"]


def _inputs(model, size, batch=4):
    """A batch of sources and instructions as ``model`` reads them (word ids or subword rows)."""
    g = torch.Generator().manual_seed(0)
    source = torch.rand(batch, 3, size, size, generator=g)
    if model.cfg.text == "subword":
        return (source, *model.encode_texts(TEXTS[:batch]))
    return source, torch.randint(2, 50, (batch, 7), generator=g), torch.tensor([7, 3, 5, 1, 2, 6, 4, 7][:batch])


@pytest.mark.parametrize("name", EDITORS)
@pytest.mark.parametrize("preset", ["smoke", "cpu", "paper"])
@pytest.mark.parametrize("text", ["words", "subword"])
def test_shapes_ranges_and_the_keep_mask_at_every_preset(name, preset, text):
    torch.manual_seed(0)
    model = get_model(name, preset, data=DATA, text=text).eval()
    size = PRESETS[preset].size
    source, tokens, lengths = _inputs(model, size, batch=2)
    with torch.no_grad():
        out = model(source, tokens, lengths)
        plain = model(source)
    assert out["output"].shape == (2, 3, size, size) and out["mask"].shape == (2, 1, size, size)
    for key in ("output", "generated", "mask"):
        assert 0 <= float(out[key].min()) and float(out[key].max()) <= 1
    keep = out["mask"]
    assert torch.allclose(out["output"], keep * source + (1 - keep) * out["generated"], atol=1e-6)
    assert out["logits"].shape == (2, sum(DATA["attribute_values"]))
    assert torch.allclose(plain["output"], source, atol=1e-6)       # no instruction: the source is kept


def _pairs(n=8):
    pairs = [make_pair(5, i, 32) for i in range(n)]
    image = lambda k: torch.stack([torch.from_numpy(p[k]).permute(2, 0, 1).float() / 255 for p in pairs])  # noqa: E731
    label = change_labels([p[0].source.vector() for p in pairs], [p[0].target.vector() for p in pairs])
    return image(1), image(2), torch.stack([torch.from_numpy(p[3]).float()[None] for p in pairs]), label


@pytest.mark.parametrize("name", EDITORS)
def test_one_phase_of_supervised_steps_lowers_every_term(name):
    torch.manual_seed(0)
    model = get_model(name, "cpu", data=DATA).train()
    source, target, mask, label = _pairs()
    _, tokens, lengths = _inputs(model, 32, batch=8)
    batch = {"source": source, "target": target, "mask": mask, "tokens": tokens, "lengths": lengths, "label": label}
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    history = [supervised_step(model, opt, batch, model.cfg) for _ in range(34)]
    first, last = history[0], history[-1]
    assert all(torch.isfinite(torch.stack(list(h.values()))).all() for h in history)
    for term in ("loss", "region", "mask", "aux"):
        assert float(last[term]) < 0.9 * float(first[term]), term


def test_rival_renderings_start_with_the_target_and_the_rival_term_learns():
    from benchmark.training.batches import batch_tensors, rival_images
    from baselines.objective import rival_loss
    from collection import render

    pairs = [make_pair(5, i, 32)[0] for i in range(8)]
    before, after = [p.source.vector() for p in pairs], [p.target.vector() for p in pairs]
    images, valid = rival_images(before, after, 6, np.random.default_rng([0, 1]), 32)
    again, _ = rival_images(before, after, 6, np.random.default_rng([0, 1]), 32)
    assert images.shape == (8, 6, 32, 32, 3) and np.array_equal(images, again) and valid[:, 0].all()
    for pair, rivals, ok in zip(pairs, images, valid):
        assert np.array_equal(rivals[0], render(pair.target, 32))
        assert all(not np.array_equal(r, rivals[0]) for r in rivals[1:][ok[1:]])   # a valid rival looks different
    target = torch.from_numpy(images[:, 0]).permute(0, 3, 1, 2).float() / 255
    rivals = torch.from_numpy(images).permute(0, 1, 4, 2, 3).float() / 255
    valid = torch.from_numpy(valid)
    assert float(rival_loss(target, rivals, valid)) < 0.3 < 1.0 < float(rival_loss(rivals[:, 1], rivals, valid))

    torch.manual_seed(0)
    model = get_model("edit_film", "cpu", data=DATA, rival_weight=1.0).train()
    columns = {"source": np.stack([make_pair(5, i, 32)[1] for i in range(8)]),
               "target": np.stack([make_pair(5, i, 32)[2] for i in range(8)]),
               "mask": np.stack([make_pair(5, i, 32)[3] for i in range(8)]), "instruction": TEXTS,
               "source_vector": np.asarray(before), "target_vector": np.asarray(after)}
    from benchmark.training.train import TrainConfig

    batch = batch_tensors(columns, True, TrainConfig(), "cpu", model, (0, 0, 0, 0))
    assert batch["rivals"].shape == (8, 6, 3, 32, 32) and torch.equal(batch["rivals"][:, 0], batch["target"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    history = [supervised_step(model, opt, batch, model.cfg) for _ in range(34)]
    assert float(history[-1]["rival"]) < 0.9 * float(history[0]["rival"])
    plain = get_model("edit_film", "cpu", data=DATA)
    assert "rivals" not in batch_tensors(columns, True, TrainConfig(), "cpu", plain, (0, 0, 0, 0))


def test_passes_edit_the_edit_at_inference_and_refine_trains_from_the_models_own_output():
    torch.manual_seed(0)
    model = get_model("edit_film", "cpu", data=DATA, passes=2, refine=0.5).eval()
    source, tokens, lengths = _inputs(model, 32)
    with torch.no_grad():
        once = model.edit(source, tokens, lengths)
        twice = model.edit(once["output"], tokens, lengths)
        out = model(source, tokens, lengths)
        assert torch.allclose(out["output"], twice["output"])
        assert torch.allclose(out["mask"], once["mask"] * twice["mask"])
        assert torch.allclose(model.train()(source, tokens, lengths)["output"], once["output"])   # training: one pass
        assert torch.equal(model.eval()(source)["output"], source)                              # no instruction
    with pytest.raises(ValueError, match="passes"):
        get_model("edit_film", "cpu", data=DATA, passes=0)

    source, target, mask, label = _pairs()
    _, tokens, lengths = _inputs(model, 32, batch=8)
    batch = {"source": source, "target": target, "mask": mask, "tokens": tokens, "lengths": lengths, "label": label}
    seen = []
    model.train()
    original = model.forward
    model.forward = lambda *a, **k: (seen.append(a[0].clone()), original(*a, **k))[1]       # noqa: E731
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    history = [supervised_step(model, opt, batch, model.cfg) for _ in range(20)]
    assert len(seen) == 40 and seen[0].shape[0] == 4 and torch.equal(seen[0], source[:4])   # a no-grad pass of half
    assert not torch.equal(seen[1][:4], source[:4]) and torch.equal(seen[1][4:], source[4:])
    assert float(history[-1]["loss"]) < 0.9 * float(history[0]["loss"])


def test_change_labels_name_the_changed_attribute_and_its_new_value():
    pair = make_pair(5, 0, 32)[0]
    label = int(change_labels([pair.source.vector()], [pair.target.vector()])[0])
    offsets = np.concatenate([[0], np.cumsum(_attribute_values())[:-1]])
    changed = [k for k, (a, b) in enumerate(zip(pair.source.vector(), pair.target.vector())) if a != b]
    assert len(changed) == 1 and label == offsets[changed[0]] + pair.target.vector()[changed[0]]


def test_rendered_pairs_are_a_function_of_their_place_and_skip_held_out_avatars():
    vocabulary = ["<pad>", "<unk>", "hair", "red", "the", "make"]
    stream = RenderedPairs(32, vocabulary, 0.5)
    a, b = stream.pair(0, 7), stream.pair(0, 7)
    assert np.array_equal(a["source"], b["source"]) and a["instruction"] == b["instruction"]
    assert a["tokens"].dtype == np.int64 and a["tokens"].size >= 1
    held = {make_pair(1_000_003, 7, 32)[0].source.id}
    c = RenderedPairs(32, vocabulary, 0.5, exclude=held).pair(0, 7)
    assert not np.array_equal(c["source"], a["source"])


def test_a_rendered_focus_makes_every_other_pair_change_one_of_its_attributes():
    focus = ("eyebrows", "top")
    stream = RenderedPairs(32, ["<pad>", "<unk>"], 0.5, focus=focus)
    pairs = [stream.pair(0, index) for index in range(12)]
    assert all(p["attribute"] in focus for p in pairs[1::2])
    assert [p["attribute"] for p in pairs[::2]] == [RenderedPairs(32, ["<pad>", "<unk>"], 0.5).pair(0, i)["attribute"]
                                                    for i in range(0, 12, 2)]          # the others are unchanged


def test_rendered_colour_changes_can_be_named_by_unseen_colour_names_of_the_new_value():
    import random

    vocabulary = ["<pad>", "<unk>", "red", "navy", "blue", "the", "shirt", "make"]
    known = frozenset(vocabulary)
    synonyms = colour_synonyms("clothing_color", known)
    assert "scarlet" in synonyms["red"] and "scarlet" not in synonyms["pink"]
    assert not any(set(n.split()) <= known for names in synonyms.values() for n in names)    # never "navy"
    renamed = rename_colour(random.Random(0), "make the shirt red", "clothing_color", "red", known)
    assert renamed.startswith("make the shirt ") and renamed.split("shirt ")[1] in synonyms["red"]
    assert rename_colour(random.Random(0), "make the shirt blue", "clothing_color", "red", known) == \
        "make the shirt blue"                                        # no phrase of the new value: unchanged
    plain, named = RenderedPairs(32, vocabulary, 1.0), RenderedPairs(32, vocabulary, 1.0, colour_names=1.0)
    rewritten = 0
    for index in range(80):
        a, b = plain.described(0, index), named.described(0, index)
        assert a[1:] == b[1:] and b == named.described(0, index)
        if a[1] not in RENAMED:
            assert a[0] == b[0]
        elif a[0] != b[0]:
            assert any(n in b[0] for n in colour_synonyms(a[1], known)[a[2]])
            rewritten += 1
    assert rewritten >= 5
    from benchmark.training.train import TrainConfig

    with pytest.raises(ValueError, match="set rendered too"):
        TrainConfig.from_preset("edit_film", "smoke", rendered_colour_names=0.5).check()


def test_described_changes_are_a_function_of_their_place_admitted_and_skip_held_out_avatars():
    from benchmark.ceiling.model import allowed

    stream = RenderedPairs(32, ["<pad>", "<unk>"], 1.0)
    first = stream.described(0, 3)
    assert first == stream.described(0, 3) and first != stream.described(0, 4)
    text, name, value, source = first
    labels = [(n, v) for n in ATTRIBUTE_NAMES for v in attribute(n).values]
    assert text and allowed(labels, source)[labels.index((name, value))]      # visible, and to another value
    skipped = RenderedPairs(32, ["<pad>", "<unk>"], 1.0, exclude={source.id}).described(0, 3)
    assert skipped[3] != source


def test_a_residual_proposal_starts_from_the_source_and_stays_in_range():
    from baselines.editor import Editor, EditorConfig

    model = Editor(EditorConfig(proposal="residual", vocab_size=12))
    torch.nn.init.zeros_(model.rgb.weight)
    torch.nn.init.zeros_(model.rgb.bias)
    source = torch.rand(3, 3, 32, 32)
    out = model(source, torch.ones(3, 4, dtype=torch.long), torch.tensor([4, 4, 2]))
    assert torch.equal(out["generated"], source)            # delta 0: the proposal is the source
    torch.nn.init.constant_(model.rgb.bias, 5.0)
    out = model(source, torch.ones(3, 4, dtype=torch.long), torch.tensor([4, 4, 2]))
    assert out["generated"].min() >= 0 and out["generated"].max() <= 1
    with pytest.raises(ValueError, match="proposal must be one of absolute, residual"):
        EditorConfig(proposal="delta")


def test_subword_rows_share_pieces_across_typos_and_carry_colour_names():
    from baselines import text

    def shared(a, b):
        pa, pb = set(text.pieces(a, 8192)), set(text.pieces(b, 8192))
        return len(pa & pb) / len(pa)

    assert shared("turbn", "turban") > 0.3 and shared("blond", "blonde") > 0.6 and shared("hat", "wavy") == 0
    rows = text.encode_text("Make the cap CRIMSON, midnight blue!", 8192)
    assert rows.shape == (6, text.WIDTH) and rows.dtype == np.int64
    assert rows[0, 0] == text.pieces("make", 8192)[0] and not rows[:3, text.PIECES].any()     # no colour
    assert rows[3, text.PIECES] == 1 and rows[3, text.PIECES + 1] > 2 * rows[3, text.PIECES + 3]  # crimson: red
    assert text.colour_of("midnight", "blue") == text.colour_names()["midnight blue"]
    assert text.colour_of(None, "minty") == text.colour_names()["mint"]
    assert text.encode_text("", 8192).shape == (1, text.WIDTH)                          # one empty row
    tokens, lengths = text.encode_texts(["red hair", "give her a big curly afro"], 8192)
    assert tokens.shape == (2, 6, text.WIDTH) and lengths.tolist() == [2, 6] and not tokens[0, 2:].any()


def test_a_subword_editor_reads_raw_text_through_the_harness_and_refuses_word_ids():
    from benchmark.training.predict import predict_columns, text_inputs

    torch.manual_seed(0)
    model = get_model("edit_film", "smoke", data=DATA, text="subword", templates=2).eval()
    columns = {"source": np.zeros((3, 32, 32, 3), np.uint8), "tokens": np.ones((3, 2), np.int64),
               "lengths": np.array([2, 1, 2]), "instruction": ["make the hair crimson", "afro", "blnd hair"]}
    tokens, lengths = text_inputs(model, columns)
    assert tokens.shape == (3, 4, 28) and lengths.tolist() == [4, 1, 2]
    out = predict_columns(model, columns, batch_size=2)
    assert out["output"].shape == (3, 3, 32, 32)
    with pytest.raises(ValueError, match="raw text"):
        text_inputs(model, {k: v for k, v in columns.items() if k != "instruction"})
    with pytest.raises(ValueError, match=r"\(B, T, 28\) rows"):
        model(torch.zeros(1, 3, 32, 32), torch.ones(1, 3, dtype=torch.long), torch.tensor([3]))
    words = get_model("edit_film", "smoke", data=DATA, text="words")
    assert text_inputs(words, columns)[0].tolist() == [[1, 1], [1, 1], [1, 1]]       # word ids, as before


def test_class_templates_are_mixed_by_the_heads_probabilities_and_learn():
    from baselines.editor import Editor, EditorConfig

    with pytest.raises(ValueError, match="attribute_values"):
        Editor(EditorConfig(templates=4, vocab_size=12))
    torch.manual_seed(0)
    model = get_model("edit_film", "cpu", data=DATA, templates=4, text="words").train()
    assert model.template.shape == (sum(DATA["attribute_values"]), 4, 32, 32)
    source, target, mask, label = _pairs()
    batch = {"source": source, "target": target, "mask": mask, "tokens": torch.randint(2, 50, (8, 6)),
             "lengths": torch.full((8,), 6), "label": label}
    before = model.template.detach().clone()
    supervised_step(model, torch.optim.Adam(model.parameters(), lr=1e-3), batch, model.cfg)
    assert not torch.equal(model.template.detach(), before)        # the image loss reaches the maps


def test_cosine_decay_is_a_function_of_the_phase():
    from benchmark.training.schedule import lr_factor
    from benchmark.training.train import TrainConfig

    factors = [lr_factor("cosine", p, 10) for p in range(10)]
    assert factors[0] == 1.0 and all(a > b for a, b in zip(factors, factors[1:])) and factors[-1] > 0
    assert lr_factor("none", 9, 10) == 1.0
    with pytest.raises(ValueError, match="lr_decay must be one of none, cosine"):
        TrainConfig.from_preset("edit_film", "smoke", lr_decay="step").check()


def test_halved_tables_load_back_into_float32_and_change_outputs_in_the_last_bits(tmp_path):
    from benchmark.training.checkpoint import half_tables, load_checkpoint, load_model, save_checkpoint

    torch.manual_seed(0)
    model = get_model("edit_film", "cpu", data=DATA).eval()
    save_checkpoint(tmp_path / "a.pt", {"model": "edit_film", "model_config": model.cfg.to_dict(),
                                        "state": model.state_dict()})
    halved = half_tables(tmp_path / "a.pt", tmp_path / "b.pt")
    assert set(halved) == {"template", "text.embed.weight"}
    assert load_checkpoint(tmp_path / "b.pt")["state"]["template"].dtype == torch.float16
    assert (tmp_path / "b.pt").stat().st_size < 0.65 * (tmp_path / "a.pt").stat().st_size
    loaded, _ = load_model(tmp_path / "b.pt")
    assert loaded.template.dtype == torch.float32
    source, tokens, lengths = _inputs(model, 32, batch=4)
    with torch.no_grad():
        a, b = model(source, tokens, lengths)["output"], loaded(source, tokens, lengths)["output"]
    assert 0 < float((a - b).abs().max()) < 1e-2


def test_colour_terms_read_crimson_and_scarlet_as_red():
    from baselines import text
    from baselines.editor import lab

    assert torch.allclose(lab(torch.tensor([[1.0, 1.0, 1.0]])), torch.tensor([[100.0, 0.0, 0.0]]), atol=0.05)
    prototypes = lab(torch.tensor(list(text.BASIC_TERMS.values())).float() / 255)
    for word in ("crimson", "scarlet"):
        rgb = torch.tensor([text.colour_of(None, word)]).float() / 255
        assert list(text.BASIC_TERMS)[int(torch.cdist(lab(rgb), prototypes).argmin())] == "red", word
    model = get_model("edit_film", "smoke", data=DATA, colour_terms=True).eval()
    assert model.text.colour.in_features == text.COLOUR + len(text.BASIC_TERMS)
    with torch.no_grad():
        out = model(torch.rand(2, 3, 32, 32), *model.encode_texts(["a crimson hat", "no beard"]))
    assert out["output"].shape == (2, 3, 32, 32)


def test_the_editors_default_to_templates_and_subwords_and_older_configs_build_as_saved():
    from baselines import build_model

    model = get_model("edit_film", "cpu", data=DATA)
    assert (model.cfg.templates, model.cfg.text) == (8, "subword")
    old = {k: v for k, v in get_model("edit_film", "cpu", data=DATA, templates=0, text="words").cfg.to_dict().items()
           if k not in ("templates", "text", "buckets", "colour_terms")}        # a config saved before they existed
    rebuilt = build_model("edit_film", old)
    assert (rebuilt.cfg.templates, rebuilt.cfg.text) == (0, "words") and rebuilt.template is None


@pytest.mark.parametrize("preset", ["smoke", "cpu", "paper"])
def test_the_lookup_pools_the_sources_own_pixels_and_learns(preset):
    torch.manual_seed(0)
    model = get_model("edit_film", preset, data=DATA, lookup=3).train()
    size, width = PRESETS[preset].size, model.cfg.widths[0]
    colour = torch.tensor([0.9, 0.2, 0.4])
    flat = colour[None, :, None, None].expand(2, 3, size, size).clone()     # every pixel one colour
    tokens, lengths = model.encode_texts(["make the hair pink", "a red hat"])
    with torch.no_grad():
        t = model.text(tokens, lengths)
        features = torch.rand(2, width, size, size)
        pooled = model.look(features, flat, t).view(2, 3, width + 3)
    assert torch.allclose(pooled[..., width:], colour.expand(2, 3, 3), atol=1e-5)   # a weighted mean of one colour
    assert float(pooled[..., :width].min()) >= 0 and float(pooled[..., :width].max()) <= 1
    with pytest.raises(ValueError, match="templates, lookup and palette must be 0"):
        get_model("edit_film", preset, data=DATA, lookup=-1)
    if preset != "cpu":
        return
    source, target, mask, label = _pairs()
    tokens, lengths = model.encode_texts(TEXTS)
    batch = {"source": source, "target": target, "mask": mask, "tokens": tokens, "lengths": lengths, "label": label}
    before = model.keys.weight.detach().clone()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(3):                   # the decoder's FiLM starts at zero, so the keys learn from the second step
        supervised_step(model, opt, batch, model.cfg)
    assert not torch.equal(model.keys.weight.detach(), before)


def _scored_batch():
    """A cpu editor in eval mode, a batch of 4 pairs, and its output on them (for the loss terms)."""
    torch.manual_seed(0)
    model = get_model("edit_film", "cpu", data=DATA).eval()
    source, target, mask, label = _pairs(4)
    tokens, lengths = model.encode_texts(TEXTS[:4])
    batch = {"source": source, "target": target, "mask": mask, "label": label}
    with torch.no_grad():
        return model, batch, model(source, tokens, lengths)


def test_the_proposal_term_is_the_whole_images_l1_of_the_proposal_and_adds_to_the_loss():
    from dataclasses import replace

    from baselines.objective import editor_loss

    model, batch, out = _scored_batch()
    target = batch["target"]
    off, on = editor_loss(out, batch, model.cfg), editor_loss(out, batch, replace(model.cfg, proposal_weight=2.0))
    assert float(off["proposal"]) == 0
    expected = (out["generated"] - target).abs().mean()
    assert torch.allclose(on["proposal"], expected) and float(expected) > 0
    assert torch.allclose(on["loss"], off["loss"] + 2 * expected)


def test_a_hard_keep_shows_exactly_the_source_or_the_proposal_and_still_trains_the_mask():
    from baselines.editor import Editor, EditorConfig

    torch.manual_seed(0)
    model = Editor(EditorConfig(hard_keep=True, vocab_size=12))
    torch.nn.init.normal_(model.keep.weight, std=1.0)
    torch.nn.init.zeros_(model.keep.bias)                    # both sides of 0.5 appear
    source, tokens, lengths = torch.rand(3, 3, 32, 32), torch.ones(3, 4, dtype=torch.long), torch.tensor([4, 4, 2])
    with torch.no_grad():
        out = model.eval()(source, tokens, lengths)
    kept = out["mask_logit"] > 0
    assert 0 < kept.float().mean() < 1 and set(out["mask"].unique().tolist()) == {0.0, 1.0}
    assert torch.equal(out["output"], torch.where(kept, source, out["generated"]))
    out = model.train()(source, tokens, lengths)
    assert torch.equal(out["output"].detach(), torch.where(kept, source, out["generated"].detach()))
    out["output"].sum().backward()                           # the soft mask's gradient reaches the keep head
    assert model.keep.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("preset", ["smoke", "cpu"])
def test_a_palette_paints_the_sources_own_colour_or_a_named_one_and_learns(preset):
    torch.manual_seed(0)
    model = get_model("edit_film", preset, data=DATA, palette=2).train()
    size, p = PRESETS[preset].size, model.cfg.palette
    colour = torch.tensor([0.9, 0.2, 0.4])
    flat = colour[None, :, None, None].expand(2, 3, size, size).clone()     # every pixel one colour
    tokens, lengths = model.encode_texts(["make the hair pink", "a red hat"])
    with torch.no_grad():
        out = model(flat, tokens, lengths)
        assert float(out["generated"].min()) >= 0 and float(out["generated"].max()) <= 1
        model.choose.bias.copy_(torch.tensor([-30.0, 30.0] + [-30.0] * (2 * p - 1)))    # the first pooled colour
        pooled = model(flat, tokens, lengths)["generated"]
        model.choose.bias.copy_(torch.tensor([-30.0] * (1 + p) + [30.0] + [-30.0] * (p - 1)))   # the first named one
        named = model(flat, tokens, lengths)["generated"]
        t = model.text(tokens, lengths)
    assert torch.allclose(pooled, flat, atol=1e-5)              # a weighted mean of the source's one colour
    expected = torch.sigmoid(model.named(t)).view(2, p, 3)[:, 0]
    assert torch.allclose(named, expected[:, :, None, None].expand_as(named), atol=1e-5)
    with pytest.raises(ValueError, match="lookup and palette must be 0"):
        get_model("edit_film", preset, data=DATA, palette=-1)
    if preset != "cpu":
        return
    torch.nn.init.zeros_(model.choose.bias)
    source, target, mask, label = _pairs()
    tokens, lengths = model.encode_texts(TEXTS)
    batch = {"source": source, "target": target, "mask": mask, "tokens": tokens, "lengths": lengths, "label": label}
    before = [m.weight.detach().clone() for m in (model.palette_keys, model.named, model.choose)]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(3):
        supervised_step(model, opt, batch, model.cfg)
    assert all(not torch.equal(m.weight.detach(), b) for m, b in zip((model.palette_keys, model.named, model.choose), before))


def test_the_colour_slots_sit_on_the_schemas_colour_attributes():
    from baselines.slots import COLOUR_POSITIONS

    assert tuple(k for k, n in enumerate(ATTRIBUTE_NAMES) if attribute(n).colours) == COLOUR_POSITIONS
    from benchmark.training.batches import slot_colours

    rgb = slot_colours()                  # the table starts at the schema's colours (hair follows the 14 hat colours)
    model = get_model("edit_film", "cpu", data={**DATA, "slot_colours": rgb}, colour_slots="soft")
    start = (torch.tensor(rgb, dtype=torch.float32).view(-1, 3) / 255).clamp(0.02, 0.98)
    assert torch.allclose(torch.sigmoid(model.slots.table), start, atol=1e-6)
    hair = attribute("hair_color")
    assert rgb[3 * 14:3 * 15] == [int(hair.colours[hair.values[0]][i:i + 2], 16) for i in (1, 3, 5)]
    with pytest.raises(ValueError, match="slot_colours holds R, G, B per colour value"):
        get_model("edit_film", "cpu", data={**DATA, "slot_colours": rgb[:-3]}, colour_slots="soft")


def test_colour_slots_paint_the_asked_for_or_the_read_colour_and_the_reader_learns():
    from baselines.objective import editor_loss
    from baselines.slots import spans

    torch.manual_seed(0)
    model = get_model("edit_film", "cpu", data=DATA, colour_slots="hard").eval()
    slots, (hat, hair) = model.slots, spans(DATA["attribute_values"])[:2]
    skips = [torch.rand(2, w, 32 >> k, 32 >> k) for k, w in enumerate(model.cfg.widths)]
    source = torch.rand(2, 3, 32, 32)
    free, features = torch.rand(2, 3, 32, 32), torch.rand(2, model.cfg.widths[0], 32, 32)
    logits = torch.full((2, sum(DATA["attribute_values"])), -30.0)
    logits[0, hair[0] + 3] = 30.0                  # item 0 asks for hair colour 3; item 1 for a hat colour
    logits[1, hat[0] + 2] = 30.0
    with torch.no_grad():
        slots.table.normal_()
        for head in slots.read:
            head.weight.zero_(), head.bias.zero_()
        slots.read[1].bias[5] = 50.0                # the reader sees hair colour 5 on both sources
        slots.choose.weight.zero_()
        slots.choose.bias.copy_(torch.tensor([-30.0, -30.0, 30.0, -30.0, -30.0, -30.0, -30.0]))  # the hair slot
        painted, read = slots(skips, source, logits, free, features)
    colour = torch.sigmoid(slots.table)
    assert torch.allclose(painted[0], colour[hair[1] + 3][:, None, None].expand(3, 32, 32), atol=1e-5)   # asked
    assert torch.allclose(painted[1], colour[hair[1] + 5][:, None, None].expand(3, 32, 32), atol=1e-5)   # read
    assert read.shape == (2, sum(n for _, _, n in spans(DATA["attribute_values"])))
    with pytest.raises(ValueError, match="colour_slots must be one of"):
        get_model("edit_film", "cpu", data=DATA, colour_slots="always")
    with pytest.raises(ValueError, match="give attribute_values too"):
        get_model("edit_film", "cpu", data={"vocab_size": 50}, colour_slots="soft")
    source, target, mask, label = _pairs()
    values = torch.stack([torch.as_tensor(make_pair(5, i, 32)[0].source.vector()) for i in range(8)])
    tokens, lengths = model.encode_texts(TEXTS)
    batch = {"source": source, "target": target, "mask": mask, "tokens": tokens, "lengths": lengths, "label": label,
             "source_values": values}
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    first = supervised_step(model, opt, batch, model.cfg)["read"]
    for _ in range(5):
        last = supervised_step(model, opt, batch, model.cfg)["read"]
    assert float(first) > 0 and float(last) < float(first)
    out = model(source, tokens, lengths)
    assert torch.allclose(editor_loss(out, {**batch, "source_values": None}, model.cfg)["read"], torch.zeros(()))


def test_region_dilate_adds_the_changes_surroundings_to_the_region_term_at_the_same_weight():
    from dataclasses import replace

    from baselines.objective import editor_loss

    model, batch, out = _scored_batch()
    target, mask = batch["target"], batch["mask"]
    changed = 1 - mask
    near = torch.nn.functional.max_pool2d(changed, 3, 1, 1)          # one pixel around the change
    assert float(near.sum()) > float(changed.sum())
    error = (out["generated"] - target).abs()
    per_pixel = 3 * changed.sum(dim=(1, 2, 3))
    expected = {0: ((changed * error).sum(dim=(1, 2, 3)) / per_pixel).mean(),
                1: ((near * error).sum(dim=(1, 2, 3)) / per_pixel).mean()}
    for width, value in expected.items():
        got = editor_loss(out, batch, replace(model.cfg, region_dilate=width))["region"]
        assert torch.allclose(got, value)
    with pytest.raises(ValueError, match="region_dilate is a width in px"):
        get_model("edit_film", "cpu", data=DATA, region_dilate=-1)


def test_a_hard_keep_at_inference_only_composites_the_eval_pass_and_trains_as_the_soft_one():
    from dataclasses import replace

    from baselines.editor import Editor, EditorConfig

    torch.manual_seed(0)
    soft = Editor(EditorConfig(vocab_size=12))
    torch.nn.init.normal_(soft.keep.weight, std=1.0)
    torch.nn.init.zeros_(soft.keep.bias)                     # both sides of 0.5 appear
    hard = Editor(replace(soft.cfg, hard_keep_eval=True))
    hard.load_state_dict(soft.state_dict())
    source, tokens, lengths = torch.rand(3, 3, 32, 32), torch.ones(3, 4, dtype=torch.long), torch.tensor([4, 4, 2])
    with torch.no_grad():
        one, two = soft.eval()(source, tokens, lengths), hard.eval()(source, tokens, lengths)
    kept = one["mask_logit"] > 0
    assert 0 < kept.float().mean() < 1 and set(two["mask"].unique().tolist()) == {0.0, 1.0}
    assert torch.equal(two["output"], torch.where(kept, source, one["generated"]))
    assert not torch.equal(one["output"], two["output"])
    one, two = soft.train()(source, tokens, lengths), hard.train()(source, tokens, lengths)
    assert torch.equal(one["output"], two["output"]) and torch.equal(one["mask"], two["mask"])   # training: soft
