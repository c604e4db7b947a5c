"""Pictures land at <stem>.<format>, whole, and nothing else is left in the folder."""

from __future__ import annotations

from pathlib import Path

from repatria.adapters.picture import write_picture


def test_each_format_is_written_beside_the_others(tmp_path: Path) -> None:
    written = write_picture({"svg": b"<svg/>", "png": b"\x89PNG"}, tmp_path / "out" / "flow")
    assert written == {"svg": tmp_path / "out" / "flow.svg", "png": tmp_path / "out" / "flow.png"}
    assert written["svg"].read_bytes() == b"<svg/>"
    assert written["png"].read_bytes() == b"\x89PNG"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["flow.png", "flow.svg"]


def test_a_suffix_on_the_stem_is_replaced(tmp_path: Path) -> None:
    written = write_picture({"svg": b"<svg/>"}, tmp_path / "graph.svg")
    assert written == {"svg": tmp_path / "graph.svg"}
