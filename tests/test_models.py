"""baselines: shapes, ranges, variants, the registry, and that one phase of each kind learns."""

import pytest
import torch

from baselines import MODELS, PRESETS, IMIConfig, get_model, model_config
from benchmark.training.steps import train_step

VOCAB = {"vocab_size": 50}


def _inputs(size, batch=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    source = torch.rand(batch, 3, size, size, generator=g)
    tokens = torch.randint(2, 50, (batch, 7), generator=g)
    lengths = torch.tensor([7, 3, 5, 1][:batch])
    return source, tokens, lengths


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("preset", ["smoke", "cpu"])
def test_every_model_has_the_right_shapes_and_ranges(name, preset):
    torch.manual_seed(0)
    from benchmark.training.batches import attribute_values

    model = get_model(name, preset, data={**VOCAB, "attribute_values": attribute_values()}).eval()
    size = PRESETS[preset].size
    source, tokens, lengths = _inputs(size)
    if getattr(model.cfg, "text", "words") == "subword":          # the editors read raw text by default
        tokens, lengths = model.encode_texts(["make the hair red", "round glasses", "crimson hat", "no beard"])
    with torch.no_grad():
        out = model(source, tokens, lengths)
    assert out["output"].shape == (4, 3, size, size)
    assert 0 <= float(out["output"].min()) and float(out["output"].max()) <= 1
    if "sim" in name or name.startswith("edit"):
        assert out["mask"].shape == (4, 1, size, size)
        assert 0 <= float(out["mask"].min()) and float(out["mask"].max()) <= 1
        assert out["phi_fc"].shape == (4, model.cfg.hidden * (2 if name.startswith("edit") else 1))
    else:
        assert out["mask"] is None
    if name == "identity":
        assert torch.equal(out["output"], source)


def test_paper_preset_matches_the_paper_shapes():
    cfg = model_config("imi_sim", "paper", data=VOCAB)
    assert (cfg.size, cfg.image_feature, cfg.hidden) == (64, 1024, 128)
    assert cfg.widths == [64, 128, 256, 512]           # phi_imm is 512 x 4 x 4
    model = get_model("imi_sim", "paper", data=VOCAB).eval()
    source, tokens, lengths = _inputs(64, batch=2)
    with torch.no_grad():
        assert model.generator.image_encoder(source).shape == (2, 1024)
        assert model.generator.masked_encoder(source)[-1].shape == (2, 512, 4, 4)
        assert model.discriminator.features(source).shape == (2, 512, 4, 4)


def test_composite_output_is_the_source_where_the_mask_keeps_it():
    torch.manual_seed(0)
    model = get_model("imi_sim_composite", "smoke", data=VOCAB).eval()
    source, tokens, lengths = _inputs(32)
    with torch.no_grad():
        out = model(source, tokens, lengths)
    mask = out["mask"]
    assert torch.allclose(out["output"], mask * source + (1 - mask) * out["generated"])


def test_without_instruction_the_tokens_do_not_matter_and_padding_is_ignored():
    torch.manual_seed(0)
    model = get_model("imi_sim", "smoke", data=VOCAB).eval()
    source, tokens, lengths = _inputs(32)
    with torch.no_grad():
        plain = model.generator(source)                       # phi_i = 0
        assert torch.equal(plain["phi_fc"], model.generator(source, None, None)["phi_fc"])
        with_words = model(source, tokens, lengths)
        assert not torch.allclose(plain["output"], with_words["output"])
        noisy = tokens.clone()
        for row, length in enumerate(lengths):
            noisy[row, length:] = 49                           # garbage after each instruction's end
        assert torch.allclose(model(source, noisy, lengths)["output"], with_words["output"], atol=1e-6)


def test_registry_errors_name_the_valid_choices():
    with pytest.raises(ValueError, match="valid models: identity, imi, imi_sim"):
        get_model("imi_sym", "cpu")
    with pytest.raises(ValueError, match="valid presets: paper, cpu, smoke"):
        get_model("imi", "gpu")
    with pytest.raises(ValueError, match="no setting 'l2_weight'"):
        get_model("imi", "smoke", l2_weight=1.0)
    with pytest.raises(ValueError, match="contradicts model 'imi'"):
        get_model("imi", "smoke", sim=True)
    with pytest.raises(ValueError, match="join must be one of"):
        IMIConfig(join="16")
    assert model_config("imi_sim", "smoke", join=4, l1_weight=0).join == "4"    # --set join=4 arrives as 4
    with pytest.raises(ValueError, match="power of two"):
        IMIConfig(size=48)
    with pytest.raises(ValueError, match="composite needs sim"):
        IMIConfig(composite=True)


def _avatar_pairs(n=4):
    """Four real one-attribute pairs at 32 px: source, target (B, 3, 32, 32), mask (B, 1, 32, 32)."""
    from collection.pairs import make_pair

    pairs = [make_pair(3, i, 32)[1:] for i in range(n)]
    images = [torch.stack([torch.from_numpy(p[k]).permute(2, 0, 1).float() / 255 for p in pairs]) for k in (0, 1)]
    mask = torch.stack([torch.from_numpy(p[2]).float()[None] for p in pairs])
    return images[0], images[1], mask


@pytest.mark.parametrize("name", ["imi", "imi_sim"])
@pytest.mark.parametrize("instructed", [False, True])
def test_one_phase_of_each_kind_lowers_its_loss_on_a_fixed_batch(name, instructed):
    # one paper phase is 34 steps; the cpu preset's widths, a batch of four real pairs
    torch.manual_seed(0)
    model = get_model(name, "cpu", data=VOCAB).train()
    _, tokens, lengths = _inputs(32, batch=4, seed=1)
    source, target, mask = _avatar_pairs()
    batch = {"source": source, "target": source}               # without instruction: auto-encoding
    if instructed:
        batch = {"source": source, "target": target, "tokens": tokens, "lengths": lengths, "mask": mask}
    adam = {"lr": 2e-4, "betas": (0.5, 0.999)}
    opt_g = torch.optim.Adam(model.generator.parameters(), **adam)
    opt_d = torch.optim.Adam(model.discriminator.parameters(), **adam)
    history = [train_step(model.generator, model.discriminator, opt_g, opt_d, batch, model.cfg) for _ in range(34)]
    first, last = history[0], history[-1]
    assert all(torch.isfinite(torch.stack(list(h.values()))).all() for h in history)
    assert float(last["d"]) < 0.5 * float(first["d"])           # the discriminator separates real from fake
    assert float(last["g_l1"]) < 0.95 * float(first["g_l1"])    # the generator moves towards the target
    if name == "imi_sim" and instructed:
        assert float(last["g_mask"]) < 0.95 * float(first["g_mask"])
    else:
        assert float(last["g_mask"]) == 0.0                     # no mask loss without instruction
