"""The PNG line chart is a valid PNG of the requested size."""

import struct
import zlib

from trackbase.services.tracking.charts import line_chart


def test_line_chart_is_a_decodable_png():
    png = line_chart([(0, 1), (1, 3), (2, 2)], width=200, height=80, trend=(1.0, 0.5))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (200, 80)
    idat = png.index(b"IDAT")
    length = struct.unpack(">I", png[idat - 4 : idat])[0]
    raw = zlib.decompress(png[idat + 4 : idat + 4 + length])
    assert len(raw) == 80 * (1 + 200 * 3)
    assert bytes((37, 99, 235)) in raw  # the line colour is drawn


def test_empty_chart_still_renders():
    assert line_chart([]).startswith(b"\x89PNG")
