"""End-to-end tests of the `medveil` command line (site, ledger, demo) via Typer's CliRunner.

Every test drives the real Typer app against real site folders under ``tmp_path``;
tampering is done the way an intruder would, by editing ``ledger.sqlite`` with sqlite3.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from typer.testing import CliRunner, Result

from medveil._version import __version__
from medveil.cli import app
from medveil.ledger import actor_id

# Rich wraps long lines at 80 columns when output is not a terminal; a wide console
# keeps each message on one line even with long tmp_path paths in it.
runner = CliRunner(env={"COLUMNS": "1000"})

EXIT_OK, EXIT_INTEGRITY, EXIT_INPUT, EXIT_REFUSED = 0, 1, 2, 3


# -- helpers -----------------------------------------------------------------------


def cli(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def ok(*args: object) -> Result:
    res = cli(*args)
    assert res.exit_code == EXIT_OK, f"{args}: exit {res.exit_code}\n{res.output}"
    assert res.exception is None, repr(res.exception)
    return res


def assert_no_traceback(res: Result) -> None:
    # CliRunner catches exceptions, so an uncaught one shows up here, not as text.
    assert res.exception is None or isinstance(res.exception, SystemExit), (
        f"uncaught {res.exception!r} (the real CLI would print a traceback)\n{res.output}"
    )
    assert "Traceback" not in res.output


def assert_clean_error(res: Result, code: int | tuple[int, ...]) -> str:
    """A failed command: the expected exit code, one error line on stderr, no traceback."""
    assert_no_traceback(res)
    codes = code if isinstance(code, tuple) else (code,)
    assert res.exit_code in codes, f"exit {res.exit_code}, wanted {codes}\n{res.output}"
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one error line, got:\n{res.stderr}"
    assert lines[0].startswith("error ("), lines[0]
    assert res.stdout == ""
    return lines[0]


def init(path: Path, name: str) -> Path:
    ok("site", "init", path, "--name", name)
    return path


def record(site: Path, reason: str, *extra: object) -> int:
    res = ok("ledger", "record", site, "--op", "test.event", "--decision", "info",
             "--reason", reason, *extra)
    m = re.fullmatch(r"recorded entry (\d+)\n", res.stdout)
    assert m, res.stdout
    return int(m.group(1))


def site_info(site: Path) -> dict[str, str]:
    return json.loads(ok("site", "show", site, "--json").stdout)


@contextlib.contextmanager
def ledger_db(site: Path) -> Iterator[sqlite3.Connection]:
    """Open a site's ledger.sqlite directly (as an intruder would), commit on exit."""
    conn = sqlite3.connect(site / "ledger.sqlite")
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def entry_data(conn: sqlite3.Connection, idx: int) -> bytes:
    return bytes(conn.execute("SELECT data FROM entries WHERE idx = ?", (idx,)).fetchone()[0])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def make_proof(site: Path, index: int, out: Path) -> dict[str, object]:
    res = ok("ledger", "prove", site, index, "-o", out)
    assert f"wrote proof of entry {index}" in res.stdout
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site with entries 0 (site.init) and 1..5 (recorded by hand)."""
    s = init(tmp_path / "site-a", "hospital-a")
    for i in range(1, 6):
        assert record(s, f"event {i}") == i
    return s


@pytest.fixture
def other_site(tmp_path: Path) -> Path:
    return init(tmp_path / "site-b", "hospital-b")


# -- 1. top level ------------------------------------------------------------------


def test_version_prints_version() -> None:
    res = ok("--version")
    assert res.stdout == f"medveil {__version__}\n"


def test_help_lists_command_groups() -> None:
    res = ok("--help")
    for command in ("site", "ledger", "demo"):
        assert re.search(rf"^\W*{command}\b", res.stdout, re.MULTILINE), res.stdout


def test_no_arguments_shows_help() -> None:
    res = cli()
    assert_no_traceback(res)
    assert "ledger" in res.output and "site" in res.output


# -- 2. site init / show -----------------------------------------------------------


def test_site_init_creates_keys_config_and_ledger(tmp_path: Path) -> None:
    s = tmp_path / "hosp"
    res = ok("site", "init", s, "--name", "hospital-a")
    assert "created site hospital-a" in res.stdout
    for rel in ("site.toml", "ledger.sqlite", "keys/identity.key", "keys/identity.pub",
                "keys/kex.key", "keys/kex.pub", "keys/tls.key", "keys/tls.crt",
                "keys/ledger.vkey"):
        assert (s / rel).is_file(), rel
    for private in ("identity.key", "kex.key", "tls.key"):
        mode = stat.S_IMODE((s / "keys" / private).stat().st_mode)
        assert mode == 0o600, f"{private}: {oct(mode)}"
    assert 'name = "hospital-a"' in (s / "site.toml").read_text()
    vkey = (s / "keys/ledger.vkey").read_text().strip()
    assert vkey.startswith("medveil/hospital-a+")
    assert vkey in res.stdout
    # Built in a temporary sibling and renamed: nothing left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hosp"]
    # The new ledger already verifies, with its site.init entry.
    entries = [json.loads(line) for line in ok("ledger", "show", s, "--json").stdout.splitlines()]
    assert [(e["index"], e["entry"]["op"]) for e in entries] == [(0, "site.init")]
    assert "OK" in ok("ledger", "verify", s).stdout


def test_site_init_refuses_existing_site(tmp_path: Path) -> None:
    s = init(tmp_path / "hosp", "hospital-a")
    before = snapshot(s)
    res = cli("site", "init", s, "--name", "hospital-a")
    line = assert_clean_error(res, EXIT_REFUSED)
    assert "already exists" in line
    assert snapshot(s) == before
    # Also under another name: still refused, still untouched.
    assert_clean_error(cli("site", "init", s, "--name", "other"), EXIT_REFUSED)
    assert snapshot(s) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hosp"]


def test_site_init_refuses_non_empty_folder(tmp_path: Path) -> None:
    folder = tmp_path / "stuff"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    line = assert_clean_error(cli("site", "init", folder, "--name", "x"), EXIT_REFUSED)
    assert "not an empty folder" in line
    assert snapshot(folder) == {"notes.txt": b"keep me"}


def test_site_init_into_existing_empty_folder(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    init(folder, "hospital-e")
    assert (folder / "site.toml").is_file()


@pytest.mark.parametrize("name", ["Bad Name", "UPPER", "-leading-dash", "a/b", ""])
def test_site_init_bad_name(tmp_path: Path, name: str) -> None:
    res = cli("site", "init", tmp_path / "s", "--name", name)
    line = assert_clean_error(res, EXIT_INPUT)
    assert "--name" in line
    assert list(tmp_path.iterdir()) == []


def test_site_show_json_is_public_only(tmp_path: Path) -> None:
    s = init(tmp_path / "hosp", "hospital-a")
    res = ok("site", "show", s, "--json")
    assert "PRIVATE" not in res.output
    for private in ("identity.key", "kex.key", "tls.key"):
        body = (s / "keys" / private).read_text().splitlines()[1:-1]
        assert body and not any(chunk in res.output for chunk in body), private
    info = json.loads(res.stdout)
    assert info["name"] == "hospital-a"
    assert info["ledger_vkey"] == (s / "keys/ledger.vkey").read_text().strip()
    cert = x509.load_pem_x509_certificate((s / "keys/tls.crt").read_bytes())
    assert info["tls_sha256"] == cert.fingerprint(hashes.SHA256()).hex()
    assert info["tls_sha256"] == hashlib.sha256(
        cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    assert info["cosigner_vkey"].startswith("medveil/hospital-a+")
    assert info["cosigner_vkey"] != info["ledger_vkey"]


def test_site_show_plain(tmp_path: Path) -> None:
    s = init(tmp_path / "hosp", "hospital-a")
    info = site_info(s)
    res = ok("site", "show", s)
    assert "PRIVATE" not in res.output
    for key in ("name", "ledger_vkey", "cosigner_vkey", "tls_sha256"):
        assert re.search(rf"^{key}\s+{re.escape(info[key])}$", res.stdout, re.MULTILINE), key


def test_site_show_not_a_site(tmp_path: Path) -> None:
    line = assert_clean_error(cli("site", "show", tmp_path), EXIT_INPUT)
    assert "site.toml" in line


# -- 3. record / show / verify -----------------------------------------------------


def test_record_show_json_lists_entries(tmp_path: Path) -> None:
    s = init(tmp_path / "hosp", "hospital-a")
    assert record(s, "approved on paper", "--dataset", "crc", "--param", "rows=12",
                  "--param", "by=stage") == 1
    assert record(s, "second") == 2
    rows = [json.loads(line) for line in ok("ledger", "show", s, "--json").stdout.splitlines()]
    assert [r["index"] for r in rows] == [0, 1, 2]
    e1 = rows[1]["entry"]
    assert (e1["op"], e1["decision"], e1["reason"]) == ("test.event", "info", "approved on paper")
    assert e1["dataset"] == "crc"
    assert e1["params"] == {"rows": 12, "by": "stage"}
    assert rows[2]["entry"]["reason"] == "second"
    # --last limits to the newest entries, in JSON too.
    rows = [json.loads(line)
            for line in ok("ledger", "show", s, "--json", "--last", "1").stdout.splitlines()]
    assert [r["index"] for r in rows] == [2]


def test_show_last_two_table(site: Path) -> None:
    res = ok("ledger", "show", site, "--last", "2")
    assert "medveil/hospital-a: last 2 of 6 entries" in res.stdout
    assert "event 4" in res.stdout and "event 5" in res.stdout
    assert "event 3" not in res.stdout and "site created" not in res.stdout
    assert "latest signed checkpoint: size 6" in res.stdout


def test_verify_ok(site: Path) -> None:
    res = ok("ledger", "verify", site)
    assert res.stdout.startswith("OK medveil/hospital-a: 6 entries, root ")
    assert "7 signed checkpoints verified (latest at size 6; 0 entries after it)" in res.stdout
    assert res.stderr == ""


def test_checkpoint_command(site: Path) -> None:
    res = ok("ledger", "checkpoint", site)
    assert res.stdout.startswith("medveil/hospital-a\n6\n")
    assert "\u2014 medveil/hospital-a " in res.stdout


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--op", "Bad Op", "--decision", "info"], "op"),
        (["--op", "x.y", "--decision", "maybe"], "decision"),
        (["--op", "x.y", "--decision", "info", "--param", "novalue"], "--param"),
        (["--op", "x.y", "--decision", "info", "--result-sha256", "xyz"], "result_sha256"),
    ],
)
def test_record_bad_input(site: Path, args: list[str], field: str) -> None:
    line = assert_clean_error(cli("ledger", "record", site, *args), EXIT_INPUT)
    assert f"field '{field}'" in line
    assert "OK" in ok("ledger", "verify", site).stdout
    assert "of 6 entries" in ok("ledger", "show", site).stdout


# -- 4. tampering through the database -----------------------------------------------


def assert_tampered(site: Path, *needles: str) -> str:
    res = cli("ledger", "verify", site)
    assert_no_traceback(res)
    assert res.exit_code == EXIT_INTEGRITY, res.output
    assert "TAMPERED" in res.stderr
    assert "OK" not in res.stdout
    for needle in needles:
        assert needle in res.output, f"{needle!r} not in:\n{res.output}"
    return res.output


def test_tamper_one_byte_of_entry(site: Path) -> None:
    with ledger_db(site) as db:
        data = bytearray(entry_data(db, 2))
        at = data.index(b"event 2") + len("event ")
        data[at] = ord("7")
        db.execute("UPDATE entries SET data = ? WHERE idx = 2", (bytes(data),))
    out = assert_tampered(site, "does not verify: entry 2: entry bytes")
    assert "entry 1:" not in out and "entry 3:" not in out


def test_tamper_delete_row_and_renumber(site: Path) -> None:
    with ledger_db(site) as db:
        db.execute("DELETE FROM entries WHERE idx = 2")
        db.execute("UPDATE entries SET idx = idx - 1 WHERE idx > 2")
        assert db.execute("SELECT COUNT(*), MAX(idx) FROM entries").fetchone() == (5, 4)
    assert_tampered(site, "entry 2:", "deleted")


def test_tamper_delete_row_without_renumbering(site: Path) -> None:
    with ledger_db(site) as db:
        db.execute("DELETE FROM entries WHERE idx = 2")
    assert_tampered(site, "entry 2: missing")


def test_tamper_swap_two_entries_data(site: Path) -> None:
    with ledger_db(site) as db:
        d2, d3 = entry_data(db, 2), entry_data(db, 3)
        db.execute("UPDATE entries SET data = ? WHERE idx = 2", (d3,))
        db.execute("UPDATE entries SET data = ? WHERE idx = 3", (d2,))
    assert_tampered(site, "entry 2:", "entry 3:")


def test_tamper_swap_two_whole_rows(site: Path) -> None:
    with ledger_db(site) as db:
        r2 = db.execute("SELECT hashes, data FROM entries WHERE idx = 2").fetchone()
        r3 = db.execute("SELECT hashes, data FROM entries WHERE idx = 3").fetchone()
        db.execute("UPDATE entries SET hashes = ?, data = ? WHERE idx = 2", r3)
        db.execute("UPDATE entries SET hashes = ?, data = ? WHERE idx = 3", r2)
    assert_tampered(site, "entry 2:")


def test_tamper_truncate_tail(site: Path) -> None:
    with ledger_db(site) as db:
        db.execute("DELETE FROM entries WHERE idx >= 4")
    assert_tampered(site, "entry 4:", "no longer in the log")


def _flip_char(text: str, at: int) -> str:
    return text[:at] + ("B" if text[at] == "A" else "A") + text[at + 1:]


def test_tamper_checkpoint_signature_byte(site: Path) -> None:
    with ledger_db(site) as db:
        note = db.execute("SELECT note FROM checkpoints WHERE size = 3").fetchone()[0]
        sig_line = note.rstrip("\n").rsplit("\n", 1)[1]
        at = len(note) - 1 - len(sig_line) // 2  # inside the signature's base64
        db.execute("UPDATE checkpoints SET note = ? WHERE size = 3", (_flip_char(note, at),))
    assert_tampered(site, "checkpoint at size 3")


def test_tamper_checkpoint_root_byte(site: Path) -> None:
    with ledger_db(site) as db:
        note = db.execute("SELECT note FROM checkpoints WHERE size = 4").fetchone()[0]
        at = note.index("\n", note.index("\n") + 1) + 5  # inside the root hash line
        db.execute("UPDATE checkpoints SET note = ? WHERE size = 4", (_flip_char(note, at),))
    assert_tampered(site, "checkpoint at size 4", "does not verify")


def test_tamper_stored_tree_hash(site: Path) -> None:
    with ledger_db(site) as db:
        h = bytearray(db.execute("SELECT hashes FROM entries WHERE idx = 3").fetchone()[0])
        h[40] ^= 0x01  # the level-1 node this row closed: entries 2..3
        db.execute("UPDATE entries SET hashes = ? WHERE idx = 3", (bytes(h),))
    assert_tampered(site, "entries 2..3")


# -- 5. bad input: clear one-line errors, never a traceback ---------------------------


def test_verify_folder_that_is_not_a_site(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    line = assert_clean_error(cli("ledger", "verify", folder), EXIT_INPUT)
    assert "no site.toml" in line


def test_verify_missing_folder(tmp_path: Path) -> None:
    line = assert_clean_error(cli("ledger", "verify", tmp_path / "nope"), EXIT_INPUT)
    assert "not a site folder" in line


def test_verify_invalid_site_toml(site: Path) -> None:
    (site / "site.toml").write_text("this is = = not toml")
    line = assert_clean_error(cli("ledger", "verify", site), EXIT_INPUT)
    assert "site.toml" in line and "TOML" in line


def test_verify_garbage_database(site: Path) -> None:
    (site / "ledger.sqlite").write_bytes(b"\x00\x13garbage, not SQLite\xff" * 512)
    line = assert_clean_error(cli("ledger", "verify", site), EXIT_INTEGRITY)
    assert "ledger.sqlite" in line and "not a readable medveil ledger" in line
    assert_clean_error(cli("ledger", "show", site), EXIT_INTEGRITY)


def test_verify_corrupt_database_pages(site: Path) -> None:
    raw = bytearray((site / "ledger.sqlite").read_bytes())
    raw[100:] = b"\xab" * (len(raw) - 100)  # keep the SQLite header, wreck every page
    (site / "ledger.sqlite").write_bytes(bytes(raw))
    assert_clean_error(cli("ledger", "verify", site), EXIT_INTEGRITY)


def test_verify_missing_database(site: Path) -> None:
    (site / "ledger.sqlite").unlink()
    line = assert_clean_error(cli("ledger", "verify", site), EXIT_INPUT)
    assert "no ledger here" in line


def test_verify_with_another_sites_vkey(site: Path, other_site: Path) -> None:
    (site / "keys/ledger.vkey").write_bytes((other_site / "keys/ledger.vkey").read_bytes())
    line = assert_clean_error(cli("ledger", "verify", site), EXIT_INTEGRITY)
    assert "not the expected key" in line
    assert_clean_error(cli("ledger", "show", site), EXIT_INTEGRITY)


def test_verify_missing_vkey(site: Path) -> None:
    (site / "keys/ledger.vkey").unlink()
    line = assert_clean_error(cli("ledger", "verify", site), EXIT_INPUT)
    assert "ledger.vkey" in line


def test_record_with_unreadable_identity_key(site: Path) -> None:
    (site / "keys/identity.key").write_text("not a key")
    line = assert_clean_error(
        cli("ledger", "record", site, "--op", "x.y", "--decision", "info"), EXIT_INPUT)
    assert "identity.key" in line


@pytest.fixture
def proof(site: Path, tmp_path: Path) -> tuple[Path, dict[str, object]]:
    out = tmp_path / "p.json"
    return out, make_proof(site, 1, out)


def test_verify_proof_not_json(site: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{ this is not JSON")
    line = assert_clean_error(
        cli("ledger", "verify-proof", bad, "--pubkey", site / "keys/ledger.vkey"), EXIT_INPUT)
    assert "not a JSON proof file" in line


def test_verify_proof_binary_file(site: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe\x00\x01binary")
    assert_clean_error(
        cli("ledger", "verify-proof", bad, "--pubkey", site / "keys/ledger.vkey"), EXIT_INPUT)


def test_verify_proof_missing_file(site: Path, tmp_path: Path) -> None:
    line = assert_clean_error(cli("ledger", "verify-proof", tmp_path / "none.json",
                                  "--pubkey", site / "keys/ledger.vkey"), EXIT_INPUT)
    assert "no such file" in line


@pytest.mark.parametrize(
    "field", ["format", "origin", "index", "tree_size", "entry", "inclusion_proof", "checkpoint"]
)
def test_verify_proof_missing_field(
    site: Path, proof: tuple[Path, dict[str, object]], field: str
) -> None:
    path, doc = proof
    del doc[field]
    path.write_text(json.dumps(doc))
    line = assert_clean_error(
        cli("ledger", "verify-proof", path, "--pubkey", site / "keys/ledger.vkey"), EXIT_INPUT)
    assert f"field '{field}'" in line


@pytest.mark.parametrize(
    ("field", "value"),
    [("index", "1"), ("tree_size", None), ("entry", {"a": 1}), ("inclusion_proof", "abc"),
     ("inclusion_proof", [1, 2]), ("index", True)],
)
def test_verify_proof_wrong_field_type(
    site: Path, proof: tuple[Path, dict[str, object]], field: str, value: object
) -> None:
    path, doc = proof
    doc[field] = value
    path.write_text(json.dumps(doc))
    line = assert_clean_error(
        cli("ledger", "verify-proof", path, "--pubkey", site / "keys/ledger.vkey"), EXIT_INPUT)
    assert f"field '{field}'" in line


@pytest.mark.parametrize("fmt", ["medveil-inclusion-proof/v2", "", 1, None])
def test_verify_proof_wrong_format(
    site: Path, proof: tuple[Path, dict[str, object]], fmt: object
) -> None:
    path, doc = proof
    doc["format"] = fmt
    path.write_text(json.dumps(doc))
    line = assert_clean_error(
        cli("ledger", "verify-proof", path, "--pubkey", site / "keys/ledger.vkey"), EXIT_INPUT)
    assert "medveil-inclusion-proof/v1" in line


def test_verify_proof_json_not_an_object(site: Path, tmp_path: Path) -> None:
    bad = tmp_path / "list.json"
    bad.write_text("[1, 2, 3]")
    assert_clean_error(
        cli("ledger", "verify-proof", bad, "--pubkey", site / "keys/ledger.vkey"), EXIT_INPUT)


def test_verify_proof_wrong_pubkey(
    other_site: Path, proof: tuple[Path, dict[str, object]]
) -> None:
    path, _ = proof
    line = assert_clean_error(cli("ledger", "verify-proof", path,
                                  "--pubkey", other_site / "keys/ledger.vkey"), EXIT_INTEGRITY)
    assert "signature" in line
    line = assert_clean_error(cli("ledger", "verify-proof", path,
                                  "--pubkey", other_site / "keys/identity.pub"), EXIT_INTEGRITY)
    assert "signature" in line


@pytest.mark.parametrize(
    ("key", "message"),
    [("keys/kex.pub", "not an Ed25519 public key"), ("keys/tls.crt", "not a PEM public key"),
     ("keys/identity.key", "not a PEM public key"), ("ledger.sqlite", "not a key file"),
     ("keys/missing.vkey", "no such key file")],
)
def test_verify_proof_unusable_pubkey(
    site: Path, proof: tuple[Path, dict[str, object]], key: str, message: str
) -> None:
    path, _ = proof
    line = assert_clean_error(
        cli("ledger", "verify-proof", path, "--pubkey", site / key), EXIT_INPUT)
    assert message in line


def test_verify_proof_bad_vkey_string(proof: tuple[Path, dict[str, object]]) -> None:
    path, _ = proof
    assert_clean_error(cli("ledger", "verify-proof", path, "--pubkey", "name+zz+notbase64"),
                       EXIT_INPUT)


@pytest.mark.parametrize("index", ["6", "99"])
def test_prove_out_of_range(site: Path, tmp_path: Path, index: str) -> None:
    out = tmp_path / "out.json"
    line = assert_clean_error(cli("ledger", "prove", site, index, "-o", out), EXIT_INPUT)
    assert f"entry {index}" in line
    assert not out.exists()
    assert not out.with_name(out.name + ".tmp").exists()


def test_prove_negative_index_is_a_usage_error(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    res = cli("ledger", "prove", site, "--out", out, "--", "-1")
    assert_no_traceback(res)
    assert res.exit_code == EXIT_INPUT
    assert not out.exists()


def test_witness_own_log_is_refused(site: Path) -> None:
    line = assert_clean_error(cli("ledger", "witness", site, site), EXIT_INPUT)
    assert "cannot witness its own log" in line


# -- 6. proof round trip and witnesses -------------------------------------------------


def test_prove_and_verify_with_vkey_file(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    doc = make_proof(site, 1, out)
    assert doc["format"] == "medveil-inclusion-proof/v1"
    assert (doc["origin"], doc["index"], doc["tree_size"]) == ("medveil/hospital-a", 1, 6)
    res = ok("ledger", "verify-proof", out, "--pubkey", site / "keys/ledger.vkey")
    assert res.stdout.startswith("OK entry 1 is in medveil/hospital-a (tree size 6, signed)")
    assert "reason='event 1'" in res.stdout
    assert "cosigned by" not in res.stdout


def test_prove_and_verify_with_pem_and_vkey_string(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    make_proof(site, 4, out)
    res = ok("ledger", "verify-proof", out, "--pubkey", site / "keys/identity.pub")
    assert "OK entry 4 is in medveil/hospital-a" in res.stdout
    vkey = (site / "keys/ledger.vkey").read_text().strip()
    assert "OK entry 4" in ok("ledger", "verify-proof", out, "--pubkey", vkey).stdout


def test_every_entry_proves(site: Path, tmp_path: Path) -> None:
    for i in range(6):
        out = tmp_path / f"p{i}.json"
        make_proof(site, i, out)
        res = ok("ledger", "verify-proof", out, "--pubkey", site / "keys/ledger.vkey")
        assert f"OK entry {i} " in res.stdout


def test_proof_with_changed_entry_fails(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    doc = make_proof(site, 1, out)
    entry = str(doc["entry"])
    at = entry.index("event 1") + len("event ")
    doc["entry"] = entry[:at] + "2" + entry[at + 1:]
    out.write_text(json.dumps(doc))
    line = assert_clean_error(
        cli("ledger", "verify-proof", out, "--pubkey", site / "keys/ledger.vkey"),
        EXIT_INTEGRITY)
    assert "does not verify" in line


@pytest.mark.parametrize(
    "change",
    ["index", "tree_size", "path", "checkpoint_root", "checkpoint_sig"],
)
def test_proof_with_changed_fields_fails(site: Path, tmp_path: Path, change: str) -> None:
    out = tmp_path / "p.json"
    doc = make_proof(site, 2, out)
    note = str(doc["checkpoint"])
    if change == "index":
        doc["index"] = 3
    elif change == "tree_size":
        doc["tree_size"] = 5
    elif change == "path":
        hashes_ = list(doc["inclusion_proof"])  # type: ignore[call-overload]
        hashes_[0] = _flip_char(hashes_[0], 3)
        doc["inclusion_proof"] = hashes_
    elif change == "checkpoint_root":
        doc["checkpoint"] = _flip_char(note, note.index("\n", note.index("\n") + 1) + 3)
    else:
        doc["checkpoint"] = _flip_char(note, len(note) - 20)
    out.write_text(json.dumps(doc))
    assert_clean_error(
        cli("ledger", "verify-proof", out, "--pubkey", site / "keys/ledger.vkey"),
        EXIT_INTEGRITY)


def test_witness_then_verify_proof_requiring_witness(
    site: Path, other_site: Path, tmp_path: Path
) -> None:
    third = init(tmp_path / "site-c", "hospital-c")
    res = ok("ledger", "witness", other_site, site)
    assert res.stdout == "hospital-b cosigned hospital-a at size 6\n"
    out = tmp_path / "p.json"
    make_proof(site, 1, out)
    pub = site / "keys/ledger.vkey"

    witness_key = site_info(other_site)["cosigner_vkey"]
    res = ok("ledger", "verify-proof", out, "--pubkey", pub, "--witness", witness_key)
    assert "OK entry 1" in res.stdout
    assert "cosigned by: medveil/hospital-b" in res.stdout

    stranger = site_info(third)["cosigner_vkey"]
    line = assert_clean_error(
        cli("ledger", "verify-proof", out, "--pubkey", pub, "--witness", stranger),
        EXIT_INTEGRITY)
    assert "no cosignature by witness medveil/hospital-c" in line
    # Requiring both: one is missing, so it fails.
    assert_clean_error(cli("ledger", "verify-proof", out, "--pubkey", pub,
                           "--witness", witness_key, "--witness", stranger), EXIT_INTEGRITY)
    # The witnessed log still verifies and reports its witness.
    res = ok("ledger", "verify", site)
    assert "latest checkpoint cosigned by: medveil/hospital-b" in res.stdout


def test_witness_key_given_as_pem(site: Path, other_site: Path, tmp_path: Path) -> None:
    ok("ledger", "witness", other_site, site)
    out = tmp_path / "p.json"
    make_proof(site, 2, out)
    res = ok("ledger", "verify-proof", out, "--pubkey", site / "keys/identity.pub",
             "--witness", other_site / "keys/identity.pub")
    assert "cosigned by: medveil/hospital-b" in res.stdout
    line = assert_clean_error(
        cli("ledger", "verify-proof", out, "--pubkey", site / "keys/identity.pub",
            "--witness", site / "keys/identity.pub"), EXIT_INTEGRITY)
    assert "no cosignature" in line


def test_deleted_latest_checkpoint_is_detected(site: Path) -> None:
    # Delete the newest signed checkpoint and rewrite the entry it covered, hashes and all.
    with ledger_db(site) as db:
        db.execute("DELETE FROM checkpoints WHERE size = 6")
        data = entry_data(db, 5).replace(b"event 5", b"event 9")
        leaf = hashlib.sha256(b"\x00" + data).digest()
        leaf4 = db.execute("SELECT substr(hashes, 1, 32) FROM entries WHERE idx = 4").fetchone()[0]
        node = hashlib.sha256(b"\x01" + leaf4 + leaf).digest()  # row 5 also closes (1, 2)
        db.execute("UPDATE entries SET data = ?, hashes = ? WHERE idx = 5", (data, leaf + node))
    out = assert_tampered(site, "entries 5..5 are not covered by a signed checkpoint")
    assert "stored" not in out  # every stored hash was recomputed: only the signatures tell


def test_proof_made_before_witnessing_lacks_cosignature(
    site: Path, other_site: Path, tmp_path: Path
) -> None:
    out = tmp_path / "p.json"
    make_proof(site, 1, out)
    ok("ledger", "witness", other_site, site)
    witness_key = site_info(other_site)["cosigner_vkey"]
    assert_clean_error(cli("ledger", "verify-proof", out, "--pubkey", site / "keys/ledger.vkey",
                           "--witness", witness_key), EXIT_INTEGRITY)


def test_tampered_cosignature_detected(site: Path, other_site: Path) -> None:
    ok("ledger", "witness", other_site, site)
    with ledger_db(site) as db:
        line = db.execute("SELECT line FROM cosignatures").fetchone()[0]
        db.execute("UPDATE cosignatures SET line = ?", (_flip_char(line, len(line) - 10),))
    assert_tampered(site, "cosignature of checkpoint 6")


# -- 7. demo -----------------------------------------------------------------------------


def test_demo_runs(tmp_path: Path) -> None:
    work = tmp_path / "demo"
    res = ok("demo", "--workdir", work)
    assert "TAMPERED" in res.stdout
    assert "REFUSED" in res.stdout
    # the models are fitted and checked against statsmodels / lifelines on the pooled rows
    assert "logit coef C(stage)[T.IV]" in res.stdout and "Cox log-HR age" in res.stdout
    assert "(equal to 1e-9)" in res.stdout
    html = (work / "report.html").read_text()
    assert "Hazard ratios" in html and "Kaplan" in html and "Odds ratios" in html
    assert (work / ".medveil-demo").is_file()
    # The demo leaves hospital-b tampered and hospital-a intact, as it says.
    assert_tampered(work / "hospital-b", "entry bytes and the leaf hash stored at append disagree")
    assert "OK" in ok("ledger", "verify", work / "hospital-a").stdout
    # Running again recreates its own folder.
    assert "TAMPERED" in ok("demo", "--workdir", work).stdout


def test_demo_refuses_foreign_folder(tmp_path: Path) -> None:
    folder = tmp_path / "precious"
    (folder / "sub").mkdir(parents=True)
    (folder / "thesis.txt").write_text("years of work")
    (folder / "sub" / "data.csv").write_bytes(b"a,b\n1,2\n")
    before = snapshot(folder)
    line = assert_clean_error(cli("demo", "--workdir", folder), EXIT_REFUSED)
    assert "not a medveil demo folder" in line
    assert snapshot(folder) == before
    assert sorted(p.name for p in folder.iterdir()) == ["sub", "thesis.txt"]


def test_demo_refuses_a_file(tmp_path: Path) -> None:
    f = tmp_path / "file.txt"
    f.write_text("keep")
    res = cli("demo", "--workdir", f)
    assert_clean_error(res, (EXIT_INPUT, EXIT_REFUSED))
    assert f.read_text() == "keep"


# -- regressions: damaged files and hostile values never reach the user as tracebacks ----


def test_markup_in_a_tampered_origin_is_printed_literally(site: Path) -> None:
    # The ledger's origin in the meta table is not signed; handled() prints the
    # LedgerTampered message (which contains it) with Rich markup enabled.
    with ledger_db(site) as db:
        db.execute("UPDATE meta SET value = 'medveil/hospital-a[/]' WHERE key = 'origin'")
    assert_tampered(site, "checkpoint at size 0")


def test_non_utf8_vkey_is_a_clear_error(site: Path) -> None:
    (site / "keys/ledger.vkey").write_bytes(b"\xff\xfe not a key")
    line = assert_clean_error(cli("ledger", "verify", site), (EXIT_INTEGRITY, EXIT_INPUT))
    assert "ledger.vkey" in line


@pytest.mark.parametrize(
    ("rel", "content"),
    [("keys/tls.crt", b"-----BEGIN CERTIFICATE-----\ngarbage\n"), ("keys/kex.pub", b"\xff\xfe")],
    ids=["garbage-tls-crt", "non-utf8-kex-pub"],
)
def test_damaged_public_files_are_clear_errors_in_site_show(
    tmp_path: Path, rel: str, content: bytes
) -> None:
    s = init(tmp_path / "hosp", "hospital-a")
    (s / rel).write_bytes(content)
    line = assert_clean_error(cli("site", "show", s, "--json"), (EXIT_INTEGRITY, EXIT_INPUT))
    assert Path(rel).name in line


def test_lone_surrogate_in_proof_entry_is_a_clear_error(
    site: Path, proof: tuple[Path, dict[str, object]]
) -> None:
    path, doc = proof
    doc["entry"] = "\ud800"
    path.write_text(json.dumps(doc))  # ensure_ascii: stored as the escape \ud800
    assert_clean_error(cli("ledger", "verify-proof", path, "--pubkey", site / "keys/ledger.vkey"),
                       (EXIT_INTEGRITY, EXIT_INPUT))


def test_record_names_the_signing_key_whatever_the_vkey_says(
    site: Path, other_site: Path
) -> None:
    # A site's hand-recorded entries must name its own key, whatever keys/ledger.vkey says.
    (site / "keys/ledger.vkey").write_bytes((other_site / "keys/ledger.vkey").read_bytes())
    res = cli("ledger", "record", site, "--op", "x.y", "--decision", "info")
    assert_no_traceback(res)
    if res.exit_code != EXIT_OK:
        return  # refusing is fine too
    pub = serialization.load_pem_public_key((site / "keys/identity.pub").read_bytes())
    assert isinstance(pub, Ed25519PublicKey)
    own = actor_id(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    with ledger_db(site) as db:
        actor = json.loads(entry_data(db, 6))["actor"]
    assert actor == own, "entry signed by hospital-a but attributed to hospital-b's key"
