"""`repatria ledger` end to end: verify, export and verify offline, prove and check a proof,
rotate the signing key without losing old checkpoints."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from repatria.cli.main import main
from repatria.service import cases as case_service
from repatria.service import users
from repatria.service.keys import public_keys, rotate_key
from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.ledger import verification as ledger_verification
from repatria.service.node import Node
from repatria.store.ledger_tables import LedgerLeafRow
from tests.conftest import PASSWORD, CaseFixture, People
from tests.ledger.ledger_nodes import record


def run(
    args: list[str], node: Node, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setenv("REPATRIA_DATA_DIR", str(node.settings.data_dir))
    if node.settings.database_url:
        monkeypatch.setenv("REPATRIA_DATABASE_URL", node.settings.database_url)
    monkeypatch.setenv("REPATRIA_PASSWORD", PASSWORD)
    monkeypatch.setattr(sys, "argv", ["repatria", *args])
    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def signing_vkeys(node: Node) -> list[str]:
    return [k.vkey for k in public_keys(node).keys if k.record.purpose.value == "signing"]


def test_verify_export_prove_and_check_offline(
    node: Node,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    ids = record(node, 12, batch=5)
    code, out, _ = run(["ledger", "verify", "--json"], node, monkeypatch, capsys)
    assert code == 8 and json.loads(out)["ok"] is False  # no checkpoint yet: nothing verified
    assert run(["ledger", "checkpoint"], node, monkeypatch, capsys)[0] == 0
    code, out, _ = run(["ledger", "verify", "--json"], node, monkeypatch, capsys)
    assert code == 0 and json.loads(out)["ok"] and json.loads(out)["size"] == 12
    admin = users.create_user(node, None, username="admin", password=PASSWORD,
                              roles=["node-admin"])  # fmt: skip
    users.create_user(node, admin, username="auditor", password=PASSWORD, roles=["auditor"])
    bundle = tmp_path / "bundle.json"
    assert (
        run(
            ["--user", "auditor", "ledger", "export", "--output", str(bundle)],
            node,
            monkeypatch,
            capsys,
        )[0]
        == 0
    )
    [vkey] = signing_vkeys(node)
    code, out, _ = run(
        ["ledger", "verify", "--bundle", str(bundle), "--key", vkey, "--json"],
        node,
        monkeypatch,
        capsys,
    )
    assert code == 0 and json.loads(out)["checkpoints_verified"] == 1
    proof = tmp_path / "proof.json"
    assert (
        run(
            ["--user", "auditor", "ledger", "prove", str(ids[7]), "--output", str(proof)],
            node,
            monkeypatch,
            capsys,
        )[0]
        == 0
    )
    code, out, _ = run(
        ["ledger", "check-proof", str(proof), "--key", vkey], node, monkeypatch, capsys
    )
    assert code == 0 and f"event {ids[7]} is leaf 7" in out
    # A proof with one changed hash, or checked under another key, fails with exit code 8.
    document = json.loads(proof.read_text())
    document["proof"][0] = document["proof"][1]
    proof.write_text(json.dumps(document))
    code, _, err = run(
        ["ledger", "check-proof", str(proof), "--key", vkey], node, monkeypatch, capsys
    )
    assert code == 8 and "mismatch" in err
    # A bundle whose leaf changed fails offline, naming the leaf.
    data = json.loads(bundle.read_text())
    data["leaves"][3] = data["leaves"][4]
    bundle.write_text(json.dumps(data))
    code, out, err = run(
        ["ledger", "verify", "--bundle", str(bundle), "--key", vkey], node, monkeypatch, capsys
    )
    assert code == 8 and "leaf 3" in err


def test_verify_names_the_first_bad_leaf(
    node: Node, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    record(node, 6, batch=6)
    ledger_checkpoints.checkpoint_now(node)
    with node.transaction() as session:
        session.execute(
            update(LedgerLeafRow).where(LedgerLeafRow.leaf_index == 4).values(data=b"{}")
        )
    code, _, err = run(["ledger", "verify"], node, monkeypatch, capsys)
    assert code == 8 and "leaf 4" in err


def test_rotation_keeps_old_checkpoints_verifiable(node: Node, people: People) -> None:
    record(node, 3, batch=3)
    old = ledger_checkpoints.checkpoint_now(node)
    rotate_key(node, people.admin, "signing", "yearly rotation")
    record(node, 2, batch=2)
    new = ledger_checkpoints.checkpoint_now(node)
    old_vkey, new_vkey = signing_vkeys(node)
    assert (
        old.note.split("\u2014 ")[1].split()[1][:6] != new.note.split("\u2014 ")[1].split()[1][:6]
    )
    report = ledger_verification.verify_node_log(node)
    assert report.ok and report.checkpoints_verified == 2, report.problems
    from repatria.ledger.bundle import verify_bundle
    from repatria.ledger.note import Ed25519Verifier

    bundle = ledger_verification.export_bundle(node, people.admin)
    only_new = verify_bundle(bundle, [Ed25519Verifier.from_vkey(new_vkey)])
    assert not only_new.ok  # the old checkpoint needs the old key: trust is explicit
    both = verify_bundle(bundle, [Ed25519Verifier.from_vkey(k) for k in (old_vkey, new_vkey)])
    assert both.ok and both.checkpoints_verified == 2
    with pytest.raises(Exception, match="node-admin"):
        rotate_key(node, people.officer, "signing", "not mine to do")


def test_proofs_and_the_bundle_follow_need_to_know_in_the_cli(
    node: Node,
    people: People,
    ng_case: CaseFixture,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Issue 13.5: the CLI applies the API's rule; an outsider proves nothing of the case."""
    event = case_service.case_timeline(node, people.officer, ng_case.case)[0].id
    [node_level] = record(node, 1)
    code, out, _ = run(["--user", "officer", "ledger", "prove", str(event)], node, monkeypatch,
                       capsys)  # fmt: skip
    assert code == 0 and json.loads(out)["event_id"] == event
    for who, what in (("outsider", str(event)), ("officer", str(node_level))):
        code, out, err = run(["--user", who, "ledger", "prove", what], node, monkeypatch, capsys)
        assert code != 0 and out == "", (who, what, out)
        assert "leaf_index" not in err
    out_file = tmp_path / "bundle.json"
    code, _, err = run(["--user", "officer", "ledger", "export", "--output", str(out_file)],
                       node, monkeypatch, capsys)  # fmt: skip
    assert code != 0 and "auditor or a node administrator" in err and not out_file.exists()
