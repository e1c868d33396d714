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
