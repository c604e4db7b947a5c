"""The host's Noto files, found with fc-list (the Debian packages are installed in CI)."""

from __future__ import annotations

from pathlib import Path

from repatria.adapters.fontconfig import fc_list_file, installed_faces
from repatria.drafting.fonts import FAMILIES, STYLES


def test_every_family_and_style_has_an_installed_file() -> None:
    faces = installed_faces()
    assert len(faces) == len(FAMILIES) * len(STYLES)
    assert {face.family for face in faces} == {family for family, _, _ in FAMILIES}
    for face in faces:
        assert Path(face.path).is_file()


def test_an_unknown_family_has_no_file() -> None:
    assert fc_list_file("No Such Family Anywhere", "Regular") is None
