"""Exported CSV cannot run as a spreadsheet formula, and import restores the exact text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from trackbase.services.tracking.csv_io import csv_escape, csv_unescape, write_csv


@pytest.mark.parametrize(
    "text", ["=SUM(A1)", "+1", "-x", "@cmd", "\tx", "'=already", "''+two", "plain", "", "it's", "-"]
)
def test_escape_then_unescape_is_exact(text):
    assert csv_unescape(csv_escape(text)) == text


@pytest.mark.parametrize("text", ['=HYPERLINK("x")', "+1", "-2+3", "@SUM(1)"])
def test_escaped_cell_does_not_start_a_formula(text):
    assert csv_escape(text).startswith("'")


def test_export_escapes_text_cells_but_not_numbers():
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    body = write_csv(
        [
            ("=evil", "text", when, None, "=1+1", "@note"),
            ("Weight", "numeric", when, -3.5, None, ""),
        ]
    ).decode()
    lines = body.splitlines()
    assert lines[1] == "'=evil,text,2026-01-02T03:04:00Z,'=1+1,'@note"
    assert lines[2].startswith("Weight,numeric,2026-01-02T03:04:00Z,-3.5,")


FORMULA_START = ("=", "+", "-", "@")


def _rows_as_a_spreadsheet_splits_them(body: str) -> list[list[str]]:
    """Rows the way a spreadsheet reads the file: a new row at any CR or LF outside quotes."""
    rows, row, cell, quoted, i = [], [], "", False, 0
    while i < len(body):
        ch = body[i]
        if quoted:
            if ch == '"' and body[i + 1 : i + 2] == '"':
                cell, i = cell + '"', i + 1
            elif ch == '"':
                quoted = False
            else:
                cell += ch
        elif ch == '"' and not cell:
            quoted = True
        elif ch == ",":
            row.append(cell)
            cell = ""
        elif ch in "\r\n":
            row.append(cell)
            rows.append(row)
            row, cell = [], ""
            if ch == "\r" and body[i + 1 : i + 2] == "\n":
                i += 1
        else:
            cell += ch
        i += 1
    if cell or row:
        row.append(cell)
        rows.append(row)
    return rows


@pytest.mark.parametrize("note", ["x\r=cmd|' /C calc'!A0", "\r=cmd", "a\n+1", "b\r\n@SUM(1)", "c\r-2", "ok\r"])
def test_a_cell_with_cr_or_lf_is_quoted_so_no_row_starts_a_formula(note):
    import csv
    import io

    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    body = write_csv([("Journal", "text", when, None, note, note)]).decode()
    for row in _rows_as_a_spreadsheet_splits_them(body):
        for cell in row:
            assert not cell.startswith(FORMULA_START), (cell, body)
    parsed = list(csv.reader(io.StringIO(body, newline="")))
    assert [csv_unescape(c) for c in parsed[1][3:]] == [note, note]
