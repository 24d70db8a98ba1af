"""Working as a team with real git: a bare hub and clones in a temporary directory (file:// only), each adding,
editing and rejecting findings offline, syncing in different orders and through bundle files. Every clone ends
with the same records; conflicts are surfaced and decided by a person; history says who did what."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import run_cli

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@pytest.fixture(autouse=True)
def _git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    quiet_git(tmp_path, monkeypatch)


def quiet_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git never reads this machine's configuration, and names nobody but the reviewers."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(var, "team@example.invalid")
    for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(var, "nobody")


def git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(["git", "-c", "user.name=test", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@dataclass
class Person:
    name: str
    base: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def db(self) -> Path:
        return self.base / f"{self.name}.db"

    @property
    def repo(self) -> Path:
        return self.base / f"{self.name}-repo"

    def sync(self, *args: str) -> Result:
        return run_cli("sync", "--repo", str(self.repo), "--db", str(self.db), "--reviewer", self.name, *args)

    def add(self, *ids: str, source: str = "kyiv-independent-occupied-economy", actors: str = "[]") -> None:
        lines = ["evidence:"]
        for i in ids:
            lines.append(
                f"  - {{id: {i}, claim: '{self.name} found {i}.', category: logistics, source: {source}, "
                f"actors: {actors}}}"
            )
        path = self.base / f"{self.name}-{ids[0]}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.monkeypatch.setenv("FINDINGS_REVIEWER", self.name)
        result = run_cli("import", "yaml", str(path), "--db", str(self.db))
        assert result.exit_code == 0, result.output

    def review(self, action: str, evidence_id: str, *args: object) -> None:
        from store import review
        from store.connect import open_readwrite

        conn = open_readwrite(self.db)
        try:
            if review.sealed(conn, evidence_id):
                review.unseal(conn, evidence_id, who=self.name)
            getattr(review, action)(conn, evidence_id, *args, who=self.name)
        finally:
            conn.close()

    def findings(self) -> dict[str, tuple]:
        conn = sqlite3.connect(self.db)
        try:
            return {r[0]: r[1:] for r in conn.execute("SELECT id, claim, status, category, sensitive FROM evidence")}
        finally:
            conn.close()

    def who_did(self, evidence_id: str) -> list[tuple[str, str | None]]:
        conn = sqlite3.connect(self.db)
        try:
            return list(
                conn.execute(
                    "SELECT who, field FROM changes WHERE kind = 'evidence' AND record_id = ? ORDER BY at, id",
                    (evidence_id,),
                )
            )
        finally:
            conn.close()


@pytest.fixture
def people(tmp_path: Path, built_db: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Person]:
    return team(tmp_path, built_db, monkeypatch)


def team(tmp_path: Path, built_db: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Person]:
    """Olena, Taras and Maria, each with a copy of the built database (and a repository still to make)."""
    out = {}
    for name in ("olena", "taras", "maria"):
        person = Person(name, tmp_path, monkeypatch)
        shutil.copyfile(built_db, person.db)
        out[name] = person
    return out


@pytest.fixture
def hub(tmp_path: Path) -> str:
    git("init", "-q", "--bare", "-b", "main", str(tmp_path / "hub.git"))
    return (tmp_path / "hub.git").as_uri()


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def test_three_clones_and_a_bundle_end_with_the_same_records(
    people: dict[str, Person], hub: str, tmp_path: Path
) -> None:
    olena, taras, maria = people["olena"], people["taras"], people["maria"]
    # offline: each adds to the same source; Olena rejects a shipped finding, Taras edits another
    olena.add("olena-port", "olena-rail")
    taras.add("taras-bank")
    maria.add("maria-field-note")
    olena.review("set_status", "xi-putin-beijing-2024", "rejected")
    taras.review("edit", "yuanization", "claim", "Yuan displaces the rouble in some trade, Taras notes.")

    ok(olena.sync(hub, "--push"))
    ok(taras.sync(hub, "--push"))  # merges Olena's additions with his own: no conflict
    # Maria has no connection: Taras hands her a bundle, she hands one back
    ok(taras.sync("--bundle", str(tmp_path / "to-maria.bundle"), "--full"))
    ok(maria.sync(str(tmp_path / "to-maria.bundle")))
    ok(maria.sync("--bundle", str(tmp_path / "to-taras.bundle")))
    ok(taras.sync(str(tmp_path / "to-taras.bundle"), "--push"))
    ok(olena.sync())  # origin remembered
    ok(maria.sync(str(tmp_path / "to-maria.bundle")))  # an old bundle again: nothing new, nothing breaks

    everyone = [p.findings() for p in (olena, taras, maria)]
    assert everyone[0] == everyone[1]
    assert {"olena-port", "olena-rail", "taras-bank", "maria-field-note"} <= everyone[0].keys()
    assert everyone[0]["xi-putin-beijing-2024"][1] == "rejected"  # rejected stays, as rejected
    assert everyone[0]["yuanization"][0].endswith("Taras notes.")
    assert everyone[2] == everyone[0]  # Maria's last bundle held Taras's merge: she has it all
    nothing = ok(taras.sync("--bundle", str(tmp_path / "to-maria-2.bundle")))
    assert "no bundle written" in nothing.output and not (tmp_path / "to-maria-2.bundle").exists()
    # history says who did what, in every clone
    assert ("olena", "status") in maria.who_did("xi-putin-beijing-2024")
    assert ("taras", "claim") in olena.who_did("yuanization")
    authors = set(git("log", "--format=%an", cwd=maria.repo).split())
    assert {"olena", "taras", "maria"} <= authors and "nobody" not in authors


def test_a_finding_both_changed_is_a_conflict_until_someone_decides(
    people: dict[str, Person], hub: str, tmp_path: Path
) -> None:
    olena, taras = people["olena"], people["taras"]
    ok(olena.sync(hub, "--push"))
    ok(taras.sync(hub))
    olena.review("edit", "bank-branches-sell-yuan", "claim", "Olena's reading of the yuan figure.")
    taras.review("set_status", "bank-branches-sell-yuan", "rejected")
    taras.add("taras-extra")  # a change of his own that merges by itself
    ok(olena.sync("--push"))
    before = taras.db.read_bytes()
    stopped = taras.sync()
    assert stopped.exit_code == 1
    assert "evidence bank-branches-sell-yuan" in stopped.output and "claim" in stopped.output
    assert "status: ours rejected | theirs curated" in stopped.output
    assert taras.db.read_bytes() == before  # the last good state keeps serving
    again = taras.sync()  # nothing half-merged: it still waits
    assert again.exit_code == 1 and "waits for decisions" in again.output
    unknown = taras.sync("--resolve", "no-such-finding", "ours")
    assert unknown.exit_code == 1 and "not among the conflicts" in unknown.output

    ok(taras.sync("--resolve", "bank-branches-sell-yuan", "theirs", "--push"))
    mine = taras.findings()
    assert mine["bank-branches-sell-yuan"][:2] == ("Olena's reading of the yuan figure.", "curated")
    assert "taras-extra" in mine
    assert ("taras", "status") in taras.who_did("bank-branches-sell-yuan")[-1:]  # the decision, in the history
    check = run_cli("check", "--db", str(taras.db))
    assert check.exit_code == 0, check.output
    ok(olena.sync())
    assert olena.findings() == taras.findings()


def test_an_edited_version_can_be_kept(people: dict[str, Person], hub: str) -> None:
    olena, taras = people["olena"], people["taras"]
    ok(olena.sync(hub, "--push"))
    ok(taras.sync(hub))
    olena.review("edit", "yuanization", "claim", "Olena's claim.")
    taras.review("edit", "yuanization", "claim", "Taras's claim.")
    ok(olena.sync("--push"))
    assert taras.sync().exit_code == 1
    path = next(taras.repo.glob("evidence/*/yuanization.yaml"))
    text = path.read_text(encoding="utf-8")
    path.write_text("<<<<<<< ours\n" + text, encoding="utf-8")
    refused = taras.sync("--resolve", "yuanization", "edited")
    assert refused.exit_code == 1 and "conflict markers" in refused.output
    path.write_text(text.replace("Taras's claim.", "The claim both agree on."), encoding="utf-8")
    ok(taras.sync("--resolve", "yuanization", "edited"))
    assert taras.findings()["yuanization"][0] == "The claim both agree on."
    assert ("taras", "claim") in taras.who_did("yuanization")[-1:]
    assert path.read_text(encoding="utf-8").count("claim:") == 1


def test_work_done_while_a_merge_waits_is_not_lost(people: dict[str, Person], hub: str) -> None:
    olena, taras = people["olena"], people["taras"]
    ok(olena.sync(hub, "--push"))
    ok(taras.sync(hub))
    olena.review("edit", "trajectory-change", "claim", "Olena's version.")
    taras.review("edit", "trajectory-change", "claim", "Taras's version.")
    ok(olena.sync("--push"))
    assert taras.sync().exit_code == 1
    taras.add("taras-while-waiting")  # he goes on working before deciding
    refused = taras.sync("--resolve", "trajectory-change", "theirs")
    assert refused.exit_code == 1 and "--abort" in refused.output
    ok(taras.sync("--abort"))
    assert taras.sync().exit_code == 1  # his new finding committed first; the same record asks again
    ok(taras.sync("--resolve", "trajectory-change", "theirs"))
    mine = taras.findings()
    assert "taras-while-waiting" in mine and mine["trajectory-change"][0] == "Olena's version."


def test_a_rebuild_keeps_an_ftm_ownership_with_its_history_and_check_passes(
    people: dict[str, Person], hub: str, tmp_path: Path
) -> None:
    olena, taras = people["olena"], people["taras"]
    lines = [
        {"id": "o-a", "schema": "Company", "properties": {"name": ["ТОВ Азов-Зерно"], "country": ["ru"]}},
        {"id": "o-b", "schema": "Company", "properties": {"name": ["Qingdao Grain Holdings"], "country": ["cn"]}},
        {
            "id": "o-own",
            "schema": "Ownership",
            "properties": {"owner": ["o-b"], "asset": ["o-a"], "percentage": ["51"]},
        },
    ]
    path = tmp_path / "own.ijson"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    ok(run_cli("import", "ftm", str(path), "--db", str(olena.db)))
    ok(olena.sync(hub, "--push"))
    taras.add("taras-grain")
    ok(taras.sync(hub, "--push"))
    ok(olena.sync())  # merges Taras's finding: her database is built anew from the tree
    assert "taras-grain" in olena.findings()
    conn = sqlite3.connect(olena.db)
    try:
        (rel_id, pct), *more = conn.execute(
            "SELECT id, percentage FROM relations WHERE subject_id = 'qingdao-grain-holdings'"
        ).fetchall()
        history = conn.execute(
            "SELECT record_id FROM changes WHERE kind = 'relation' AND record_id = ?", (str(rel_id),)
        )
        assert not more and float(pct) == 51 and history.fetchall()
    finally:
        conn.close()
    checked = run_cli("check", "--db", str(olena.db))
    assert checked.exit_code == 0, checked.output
    # the relation stays in Olena's database (it travels in its FtM file): Taras's tree has none of it
    assert not list(taras.repo.rglob("*qingdao-grain-holdings--owns*"))
    assert not list(olena.repo.rglob("*qingdao-grain-holdings--owns*"))


def test_the_done_when_scenario_two_researchers_one_bundle_each_way(people: dict[str, Person], tmp_path: Path) -> None:
    """Offline from each other: each imports and reviews, one bundle each way, both see the union, the one
    finding both edited is a conflict until one of them decides it."""
    olena, taras = people["olena"], people["taras"]
    ok(olena.sync())  # each makes a repository of their own
    ok(olena.sync("--bundle", str(tmp_path / "start.bundle")))
    ok(taras.sync(str(tmp_path / "start.bundle")))  # they start from the same data
    olena.add("olena-a1", "olena-a2")
    taras.add("taras-b1")
    olena.review("edit", "long-term-damage", "claim", "Olena: the damage lasts decades.")
    taras.review("edit", "long-term-damage", "claim", "Taras: the damage lasts years.")
    olena.review("set_status", "olena-a1", "curated")
    ok(olena.sync("--bundle", str(tmp_path / "from-olena.bundle")))
    ok(taras.sync("--bundle", str(tmp_path / "from-taras.bundle")))
    a = olena.sync(str(tmp_path / "from-taras.bundle"))
    b = taras.sync(str(tmp_path / "from-olena.bundle"))
    assert a.exit_code == 1 and b.exit_code == 1
    assert "long-term-damage" in a.output and "long-term-damage" in b.output
    ok(olena.sync("--resolve", "long-term-damage", "ours"))
    assert {"olena-a1", "olena-a2", "taras-b1"} <= olena.findings().keys()
    # Taras takes Olena's decision rather than deciding himself: he gives up his merge and takes hers
    ok(taras.sync("--abort"))
    ok(olena.sync("--bundle", str(tmp_path / "decided.bundle")))
    ok(taras.sync(str(tmp_path / "decided.bundle")))
    assert taras.findings() == olena.findings()
    assert olena.findings()["long-term-damage"][0] == "Olena: the damage lasts decades."


def test_sensitive_findings_never_enter_the_shared_history(people: dict[str, Person], hub: str) -> None:
    olena, taras = people["olena"], people["taras"]
    olena.add("witness-statement")
    olena.review("edit", "witness-statement", "sensitive", True)
    ok(olena.sync(hub, "--push"))
    hub_path = Path(hub.removeprefix("file://"))
    assert "witness-statement" not in git("log", "-p", "--all", cwd=hub_path)
    assert "witness-statement" in olena.findings()  # still in her own database, after the rebuild
    assert olena.findings()["witness-statement"][3] == 1
    ok(taras.sync(hub))
    assert "witness-statement" not in taras.findings()
    refused = olena.sync("--include-sensitive")
    assert refused.exit_code == 2 and "--only" in refused.output


def test_a_subset_bundle_shares_only_what_the_query_matches(people: dict[str, Person], tmp_path: Path) -> None:
    olena, maria = people["olena"], people["maria"]
    olena.add("olena-iran-port", actors="[iran]")
    olena.add("olena-elsewhere")
    ok(olena.sync())
    ok(olena.sync("--bundle", str(tmp_path / "iran.bundle"), "--only", "actor:iran"))
    ok(maria.sync(str(tmp_path / "iran.bundle")))
    hers = maria.findings()
    assert "olena-iran-port" in hers and "olena-elsewhere" not in hers
    # a second share of the same query continues the first: only what changed arrives, without conflicts
    olena.review("edit", "olena-iran-port", "claim", "Olena: Iranian grain through the port.")
    ok(olena.sync("--bundle", str(tmp_path / "iran-2.bundle"), "--only", "actor:iran"))
    ok(maria.sync(str(tmp_path / "iran-2.bundle")))
    assert maria.findings()["olena-iran-port"][0] == "Olena: Iranian grain through the port."


def test_sync_never_makes_a_repository_of_a_folder_with_other_files(people: dict[str, Person]) -> None:
    olena = people["olena"]
    olena.repo.mkdir()
    (olena.repo / "thesis.odt").write_text("mine")
    result = olena.sync()
    assert result.exit_code == 1 and "not empty" in result.output
    assert sorted(p.name for p in olena.repo.iterdir()) == ["thesis.odt"]


def test_without_git_sync_says_so(people: dict[str, Person], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "no-git"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = people["olena"].sync()
    assert result.exit_code == 1 and "needs git" in result.output


# --------------------------------------------------------------------------------------- the read-only portal


def test_the_built_database_opens_read_only_with_the_fts_tables_datasette_detects(built_db: Path) -> None:
    """`datasette data.db` (or `datasette -i data.db`, immutable): it must open without writing, and find each
    `<table>_fts` with content=<table> to offer search on that table."""
    before = built_db.read_bytes()
    conn = sqlite3.connect(f"{built_db.as_uri()}?immutable=1", uri=True)
    try:
        for table in ("evidence", "actors", "regions", "sources"):
            # the query Datasette's detect_fts runs to find a table's full-text index
            found = conn.execute(
                "SELECT name FROM sqlite_master WHERE rootpage = 0 AND ("
                " sql LIKE '%VIRTUAL TABLE%USING FTS%content=\"' || :t || '\"%'"
                " OR sql LIKE '%VIRTUAL TABLE%USING FTS%content=[' || :t || ']%'"
                " OR sql LIKE '%VIRTUAL TABLE%USING FTS%content=''' || :t || '''%')",
                {"t": table},
            ).fetchall()
            assert found == [(f"{table}_fts",)]
        assert conn.execute("SELECT count(*) FROM actors_fts WHERE actors_fts MATCH 'huawei'").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM evidence_fts WHERE evidence_fts MATCH 'yuan'").fetchone()[0] > 0
        # foreign keys Datasette links through
        fks = {r[2] for r in conn.execute("PRAGMA foreign_key_list(evidence_actors)")}
        assert fks == {"evidence", "actors"}
    finally:
        conn.close()
    assert built_db.read_bytes() == before
    assert not Path(f"{built_db}-wal").exists() and not Path(f"{built_db}-journal").exists()


def test_a_conflict_shows_where_the_two_sides_differ() -> None:
    """A QA run: two claims differing at their ends were both shown as the same first 60 characters."""
    from store.sync_conflicts import short

    head = "За словами джерела, у Маріуполь прибули три судна з китайськими кранами для порту"
    ours, theirs = f"{head} (версія Олени)", f"{head} (версія Тараса)"
    assert short(ours, other=theirs) != short(theirs, other=ours)
    assert short(ours, other=theirs).endswith("(версія Олени)")
    assert short(theirs, other=ours).endswith("(версія Тараса)")
    assert len(short(ours, other=theirs)) <= 60 and short("abc", other="abd") == "abc"
