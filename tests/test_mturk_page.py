"""The exported MTurk HIT page in a real browser: filled exactly as MTurk fills it, served from
127.0.0.1, the submit to MTurk intercepted and recorded (nothing leaves the machine)."""

import csv
import json
import urllib.parse

import pytest

from collection import Job, run_job
from collection.crowd.platforms import mturk
from collection.crowd.clean import clean
from collection.crowd.export import ExportOptions, export_batch
from collection.crowd.ingest import read_results
from collection.crowd.judgments import write_answers
from collection.crowd.lexicon import VALUES

pytestmark = pytest.mark.browser


@pytest.fixture
def hit(server, tmp_path_factory):
    folder, base = server
    pairs = tmp_path_factory.mktemp("pairs")
    run_job(Job("pairs", seed=9, count=2, size=32, attributes=("accessory",)), pairs, progress=False)
    export_batch(pairs, folder, ExportOptions(platforms=("mturk",), image_base_url=f"{base}/images",
                                              display_size=128, min_length=10))
    with open(folder / "mturk" / "batch-001.csv", newline="") as f:
        row = next(csv.DictReader(f))
    html = mturk.fill((folder / "mturk" / "template.html").read_text(), row)
    (folder / "hit.html").write_text(html, encoding="utf-8")
    return base, row, pairs


def _open(chromium, base, query):
    posts = []

    def intercept(route):
        if "/mturk/externalSubmit" in route.request.url:
            posts.append(urllib.parse.parse_qs(route.request.post_data or ""))
            route.fulfill(status=200, body="ok", content_type="text/plain")
            return True
        return False

    page = chromium(base, intercept=intercept)
    page.goto(f"{base}/hit.html?{urllib.parse.urlencode(query)}")
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")
    return page, posts


def test_preview_cannot_submit(chromium, hit):
    base, _, _ = hit
    page, posts = _open(chromium, base, {"assignmentId": "ASSIGNMENT_ID_NOT_AVAILABLE", "hitId": "H1"})
    assert page.is_disabled("#submitButton") and page.is_disabled("#instruction")
    assert page.is_visible("#preview")
    page.click("#submitButton", force=True)
    page.wait_for_timeout(200)
    assert posts == []


def test_images_load_short_answers_are_blocked_and_a_valid_one_posts(chromium, hit, tmp_path):
    base, row, pairs = hit
    query = {"assignmentId": "A1", "hitId": "H1", "workerId": "W1",
             "turkSubmitTo": "https://workersandbox.mturk.com"}
    page, posts = _open(chromium, base, query)
    widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
    assert widths == [128, 128]
    page.click("#submitButton")  # empty: the browser's own 'required' check stops it
    page.fill("#instruction", "     red      ")  # long enough for the browser, 3 once trimmed
    page.click("#submitButton")
    page.wait_for_timeout(200)
    assert posts == []
    assert "at least 10" in page.text_content("#error")
    change = json.loads((pairs / "pairs.jsonl").read_text().splitlines()[0])
    wanted = VALUES["accessory"][change["to_value"]][0][0]
    answer = f"Please give him {wanted}." if change["to_value"] != "none" else "Please remove his glasses."
    page.fill("#instruction", f"  {answer}  ")
    with page.expect_request("**/mturk/externalSubmit"):
        page.click("#submitButton")
    assert len(posts) == 1
    assert posts[0] == {"assignmentId": ["A1"], "pair_id": [row["pair_id"]], "instruction": [answer]}

    # the captured submission, as MTurk would report it, goes through ingest and clean
    results = tmp_path / "results.csv"
    with open(results, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["HITId", "AssignmentId", "WorkerId", "SubmitTime", "WorkTimeInSeconds",
                         "Input.pair_id", "Answer.instruction"])
        writer.writerow(["H1", posts[0]["assignmentId"][0], query["workerId"], "Wed Jun 19 09:35:40 PDT 2019",
                         "40", posts[0]["pair_id"][0], posts[0]["instruction"][0]])
    write_answers(read_results([results]), tmp_path / "answers.csv")
    report = clean(tmp_path / "answers.csv", pairs / "pairs.jsonl", tmp_path / "clean", salt="t")
    assert (report["accepted"], report["triplets"]) == (1, 1), report["rejected_by_rule"]
    triplet = json.loads((tmp_path / "clean" / "triplets.jsonl").read_text())
    assert triplet["instruction"] == answer and triplet["pair_id"] == row["pair_id"]
