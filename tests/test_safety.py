import pytest

from collection.safety import csv_cell, escape_html, page_cell


@pytest.mark.parametrize("hostile", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)",
                                     "\t=1", "\r=1", "\uff1d1+1"])
def test_formulas_are_neutralised(hostile):
    assert csv_cell(hostile) == "'" + hostile


def test_plain_cells_are_untouched():
    assert csv_cell("a1b2c3") == "a1b2c3"
    assert csv_cell(None) == ""
    assert csv_cell(42) == "42"


def test_html_is_escaped_including_quotes():
    assert escape_html('<script>alert("x")</script>&\'') == \
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#x27;"


def test_page_cells_are_escaped_then_neutralised():
    assert page_cell("=<b>") == "'=&lt;b&gt;"
    assert page_cell("https://x.org/a?b=1&c=2") == "https://x.org/a?b=1&amp;c=2"


@pytest.mark.parametrize("text", ["=1+1", "'quoted", "''x", "plain", "", "-dash", "@at"])
def test_reversible_cells_round_trip(text):
    from collection.safety import csv_cell_reversible, read_cell

    cell = csv_cell_reversible(text)
    assert not cell.startswith(("=", "+", "-", "@"))
    assert read_cell(cell) == text
