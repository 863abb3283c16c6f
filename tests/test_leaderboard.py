"""The leaderboard is generated from result files only, and checked against golden files."""

import os
import shutil
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.report.leaderboard import build_leaderboard

FIXTURES = Path(__file__).parent / "fixtures" / "leaderboard"
GOLDEN = Path(__file__).parent / "fixtures" / "leaderboard-golden"


def test_leaderboard_matches_the_golden_files(tmp_path):
    files = build_leaderboard([FIXTURES], tmp_path)
    if os.environ.get("AIMI_UPDATE_GOLDEN") == "1":        # after a deliberate change: regenerate, then review the diff
        GOLDEN.mkdir(exist_ok=True)
        for path in files.values():
            shutil.copy(path, GOLDEN / path.name)
    for path in files.values():
        assert path.read_text() == (GOLDEN / path.name).read_text(), f"{path.name} differs from the golden file"


def test_leaderboard_content_escaping_and_errors(tmp_path, capsys):
    assert main(["leaderboard", str(FIXTURES), "--out", str(tmp_path)]) == 0
    md = capsys.readouterr().out
    assert "| identity (floor) | – | cpu | test | – | 230 | 0.0117 [0.0104, 0.0131]" in md
    assert "| imi_sim | paper | cpu | test | 0,1 | 230 | 0.0094 ± 0.00042 (2 seeds)" in md
    assert "SIMULATED raters" in md and "64.0% prefer imi_sim" in md and "=0.1.0&lt;b&gt;" in md
    html = (tmp_path / "leaderboard.html").read_text()
    assert "=0.1.0&lt;b&gt;" in html and "<b>" not in html
    assert ",'=0.1.0<b>," in (tmp_path / "leaderboard.csv").read_text()     # no formula in a spreadsheet
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["leaderboard", str(empty), "--out", str(tmp_path / "x")]) == 1
    with pytest.raises(FileNotFoundError, match="benchmark evaluate"):
        build_leaderboard([empty], tmp_path / "y")
