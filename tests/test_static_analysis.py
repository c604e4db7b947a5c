"""R23: every bandit finding left in ``src`` is justified where it stands.

``make lint`` runs bandit at every severity and confidence; a ``# nosec`` hides a finding from
it, so each one must name the bandit test it silences and say why, after a second ``#`` (bandit
reads every word after ``nosec`` up to a ``#`` as a test name).
"""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
JUSTIFIED = re.compile(r"# nosec (B\d{3}(?:, ?B\d{3})*)  # (?P<why>\S.{10,})$")


def test_every_nosec_names_its_test_and_a_reason() -> None:
    bare = []
    seen = 0
    for path in sorted(SRC.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "nosec" not in line:
                continue
            seen += 1
            if not JUSTIFIED.search(line):
                bare.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert not bare, "a nosec without a test id and a reason:\n" + "\n".join(bare)
    assert seen, "expected the justified findings of docs/security.md (R23)"
