"""Making values safe where they end up: HTML pages and spreadsheets.

- Every value placed in a page is HTML-escaped (MTurk and Appen paste a batch cell into the
  template as raw text, so the cell itself must already be escaped).
- Every CSV cell that a spreadsheet would evaluate as a formula is neutralised with a leading
  apostrophe (OWASP's advice for CSV injection): cells starting with ``= + - @``, a tab or a
  carriage return.
"""

from __future__ import annotations

import csv
import html
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def escape_html(value: object) -> str:
    """``value`` as text that a page shows literally (quotes escaped too, for attributes)."""
    return html.escape(str(value), quote=True)


def csv_cell(value: object) -> str:
    """``value`` as a CSV cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def page_cell(value: object) -> str:
    """A CSV cell whose text a platform pastes into a page: escaped, then formula-neutralised."""
    return csv_cell(escape_html(value))


def csv_cell_reversible(value: object) -> str:
    """Like :func:`csv_cell`, but :func:`read_cell` gives the text back exactly: a leading
    apostrophe is added before a formula start and before an apostrophe already there."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) or text.startswith("'"):
        return "'" + text
    return text


def read_cell(cell: str) -> str:
    """The text :func:`csv_cell_reversible` wrote."""
    return cell[1:] if cell.startswith("'") else cell


def _csv(header, rows, cell) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buf.getvalue()


def page_csv(header, rows) -> str:
    """A CSV whose cells a platform pastes into a page: every cell through :func:`page_cell`."""
    return _csv(header, rows, page_cell)


def data_csv(header, rows) -> str:
    """A data CSV (opened in spreadsheets, never pasted into a page): every cell through
    :func:`csv_cell`."""
    return _csv(header, rows, csv_cell)


__all__ = ["FORMULA_STARTS", "csv_cell", "csv_cell_reversible", "data_csv", "escape_html", "page_cell", "page_csv",
           "read_cell"]
