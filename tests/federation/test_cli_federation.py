"""The federation's command line: identity, grant, add-dataset, federation init, stats."""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner, Result

from medveil.cli import app
from medveil.federation import load_federation
from medveil.site import Site
from tests.federation.conftest import Study

runner = CliRunner(env={"COLUMNS": "200"})


def cli(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def test_identity_init_grant_and_add_dataset(tmp_path: Path) -> None:
    key = tmp_path / "me" / "identity.key"
    res = cli("identity", "init", "--path", key)
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    pub = res.stdout.split("public key: ")[1].split()[0]
    assert cli("identity", "init", "--path", key).exit_code == 3  # never overwritten

    assert cli("site", "init", tmp_path / "s", "--name", "s1").exit_code == 0
    res = cli("site", "grant", tmp_path / "s", "--name", "dr-li", "--key", pub,
              "--datasets", "crc", "--operations", "stats.*")
    assert res.exit_code == 0, res.output
    rule = Site.open(tmp_path / "s").config.access[0]
    assert (rule.name, rule.key, rule.datasets, rule.operations) == ("dr-li", pub, ["crc"],
                                                                     ["stats.*"])
    assert cli("site", "grant", tmp_path / "s", "--name", "dr-li", "--key", pub).exit_code == 2
    res = cli("site", "grant", tmp_path / "s", "--name", "x", "--key", "bm90IGEga2V5")
    assert res.exit_code == 2 and "32 bytes" in res.stderr and ".tmp" not in res.stderr
    res = cli("site", "grant", tmp_path / "s", "--name", "dr-wu",
              "--pubkey", key.with_suffix(".pub"))
    assert res.exit_code == 2 and "already has an access rule" in res.stderr

    pd.DataFrame({"age": [50.0, 60.0], "name": ["a", "b"]}).to_csv(
        tmp_path / "s" / "data" / "t.csv", index=False)
    res = cli("site", "add-dataset", tmp_path / "s", "--name", "t", "--path", "data/t.csv",
              "--identifiers", "name")
    assert res.exit_code == 0 and "2 rows" in res.stdout, res.output
    assert Site.open(tmp_path / "s").config.dataset("t").identifiers == ["name"]  # type: ignore[union-attr]
    res = cli("site", "add-dataset", tmp_path / "s", "--name", "u", "--path", "data/nope.csv")
    assert res.exit_code == 2 and "file not found" in res.stderr
    res = cli("site", "add-dataset", tmp_path / "s", "--name", "v", "--path", "data/t.csv",
              "--identifiers", "ssn")
    assert res.exit_code == 2 and "not in the table" in res.stderr
    # The comments of site.toml survive edits.
    assert "# Who may do what" in (tmp_path / "s" / "site.toml").read_text()


def test_federation_init_pins_certificates(study: Study, tmp_path: Path) -> None:
    urls = [m.url for m in study.fed.members[:3]]
    out = tmp_path / "fed.toml"
    res = cli("federation", "init", out, *urls)
    assert res.exit_code == 0, res.output
    fed = load_federation(out)
    assert fed.names == ["site-a", "site-b", "site-c"]
    for got, want in zip(fed.members, study.fed.members, strict=False):
        assert (got.tls_sha256, got.identity, got.kex) == (want.tls_sha256, want.identity,
                                                           want.kex)
    assert cli("federation", "init", out, *urls).exit_code == 2  # never overwritten
    res = cli("federation", "init", tmp_path / "f2.toml", urls[0],
              "--expect", f"site-a={'0' * 64}")
    assert res.exit_code == 1 and "not the expected" in res.stderr
    assert not (tmp_path / "f2.toml").exists()
    res = cli("federation", "init", tmp_path / "f3.toml", "https://127.0.0.1:9")
    assert res.exit_code == 2 and "cannot connect" in res.stderr


def test_stats_over_a_federation_file(study: Study, tmp_path: Path) -> None:
    fed_path = tmp_path / "fed.toml"
    replace(study.fed, members=study.fed.members[:3]).save(fed_path)
    base = ("stats", "--federation", fed_path, "--identity", study.key_path, "--dataset", "crc")
    res = cli(*base, "--format", "json", "describe", "age", "--by", "sex")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    pooled = study.pooled
    got = {s["group"]: s["mean"] for s in data["summaries"]}
    assert abs(got["F"] - pooled.loc[pooled.sex == "F", "age"].mean()) < 1e-9
    res = cli(*base, "table", "stage,recurrence")
    assert res.exit_code == 0 and "chi" in res.stdout.lower(), res.output
    res = cli(*base, "--where", "age >= 60", "count")
    assert res.exit_code == 0 and str(int((pooled.age >= 60).sum())) in res.stdout
    res = cli(*base, "describe", "resident_id")
    assert res.exit_code == 3 and "identifier column" in res.stderr
    res = cli(*base, "--where", "age >", "count")
    assert res.exit_code == 2 and "--where" in res.stderr
    res = cli("stats", "--dataset", "crc", "--identity", study.key_path, "count")
    assert res.exit_code == 2 and "--federation" in res.stderr


def test_stats_local_mode_starts_and_stops_nodes(study: Study) -> None:
    base = ("stats", *(x for s in study.sites[:3] for x in ("--local", s.root)),
            "--identity", study.key_path, "--dataset", "crc", "--format", "json")
    res = cli(*base, "quantiles", "age", "--q", "0.5")
    assert res.exit_code == 0, res.output
    est = json.loads(res.stdout)["estimates"][0]
    exact = float(study.pooled.age.quantile(0.5, interpolation="lower"))
    assert est["lo"] < exact <= est["hi"]


def test_ledger_verify_with_peers_after_a_study(study: Study) -> None:
    a, b = study.sites[0].root, study.sites[1].root
    # Nodes are running; verification reads the SQLite files read-only alongside them.
    fed = replace(study.fed, members=study.fed.members[:3])
    from medveil.federation import Coordinator

    with Coordinator(fed, study.key) as coord:
        coord.witness()
    res = cli("ledger", "verify", a, "--peer", b)
    assert res.exit_code == 0, res.output
    assert "medveil/site-a witnessed medveil/site-b: consistent at size" in res.stdout
    assert "medveil/site-b witnessed medveil/site-a: consistent at size" in res.stdout
