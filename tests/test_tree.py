"""The database as a tree of YAML files (`findings export dataset`): exact round trips both ways, one record per
file, sensitive records left out, a subset that builds on its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from importers.build import build_database
from store import vocab
from store.tree import dump
from tests.conftest import ROOT, run_cli


def tree_bytes(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.suffix in (".yaml", "") and p.name != "NOTES.md"
    }


def records(path: Path) -> dict[str, list[tuple]]:
    """Every record a person could tell apart: rows of each table (relations by their natural key), sorted."""
    conn = sqlite3.connect(path)
    try:
        out = {}
        for table in ("sources", "actors", "regions", "aliases", "evidence_actors", "evidence_regions"):
            out[table] = sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
        # linked_names is derived (the search index's text of linked names): its parts, in any order, since the
        # link triggers and an import write them in different orders
        cols = [r[1] for r in conn.execute("PRAGMA table_info(evidence)")]
        at = cols.index("linked_names")
        out["evidence"] = sorted(
            (
                (*row[:at], sorted((row[at] or "").split(" ; ")), *row[at + 1 :])
                for row in conn.execute("SELECT * FROM evidence")
            ),
            key=repr,
        )
        out["relations"] = sorted(
            conn.execute('SELECT subject_id, object_id, kind, role, evidence_id, start, "end" FROM relations'), key=repr
        )
        out["gazetteer"] = sorted(conn.execute("SELECT name, region_id FROM gazetteer"), key=repr)
        # each record's links and aliases keep the order of the file they came from
        for name, sql in (
            ("link order", "SELECT evidence_id, actor_id FROM evidence_actors ORDER BY rowid"),
            ("alias order", "SELECT kind || ' ' || ref_id, alias FROM aliases ORDER BY rowid"),
        ):
            order: dict[str, list[str]] = {}
            for ref, item in conn.execute(sql):
                order.setdefault(ref, []).append(item)
            out[name] = sorted(order.items())
        return out
    finally:
        conn.close()


def export(db: Path, directory: Path, *args: str) -> None:
    result = run_cli("export", "dataset", str(directory), "--db", str(db), *args)
    assert result.exit_code == 0, result.output


def test_the_dataset_is_its_own_export(built_db: Path, tmp_path: Path) -> None:
    """export(build(dataset/)) is dataset/, byte for byte: the committed tree is canonical."""
    export(built_db, tmp_path / "tree")
    assert tree_bytes(tmp_path / "tree") == tree_bytes(ROOT / "dataset")


def test_a_build_of_an_export_holds_the_same_records(built_db: Path, tmp_path: Path) -> None:
    export(built_db, tmp_path / "tree")
    build_database(tmp_path / "again.db", tmp_path / "tree")
    assert records(tmp_path / "again.db") == records(built_db)


def test_one_file_per_record_in_the_folder_of_its_source(tmp_path: Path, built_db: Path) -> None:
    export(built_db, tmp_path / "t")
    files = tree_bytes(tmp_path / "t")
    conn = sqlite3.connect(built_db)
    n_evidence = conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
    conn.close()
    evidence = [f for f in files if f.startswith("evidence/kyiv-independent-occupied-economy/")]
    assert len(evidence) == n_evidence
    assert "actors/china.yaml" in files and "regions/crimea.yaml" in files
    assert "relations/russian-proxy-firms--proxy-for--huawei.yaml" in files
    doc = files["evidence/kyiv-independent-occupied-economy/western-systems-replaced.yaml"].decode()
    assert doc.startswith("evidence:\n- id: western-systems-replaced\n") and "source: kyiv-independent" in doc


def test_an_export_removes_what_is_gone_and_rewrites_only_what_changed(db: Path, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    export(db, tree)
    victim = tree / "evidence/kyiv-independent-occupied-economy/xi-putin-beijing-2024.yaml"
    kept = tree / "actors/china.yaml"
    before = kept.stat().st_mtime_ns
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM relations WHERE evidence_id = 'xi-putin-beijing-2024'")
    conn.execute("DELETE FROM evidence WHERE id = 'xi-putin-beijing-2024'")
    conn.commit()
    conn.close()
    result = run_cli("export", "dataset", str(tree), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert not victim.exists() and kept.stat().st_mtime_ns == before
    assert "removed" in result.output


def test_export_refuses_a_directory_it_did_not_write(built_db: Path, tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    result = run_cli("export", "dataset", str(tmp_path / "mine"), "--db", str(built_db))
    assert result.exit_code == 1 and "not empty" in result.output
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


def test_sensitive_records_stay_out_unless_asked(db: Path, tmp_path: Path) -> None:
    conn = sqlite3.connect(db)
    for table in ("evidence", "sources"):
        if "sensitive" not in {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0")
    conn.execute("UPDATE evidence SET sensitive = 1 WHERE id = 'russia-needs-outside-allies'")
    conn.commit()
    conn.close()
    result = run_cli("export", "dataset", str(tmp_path / "shared"), "--db", str(db))
    assert result.exit_code == 0 and "left out 1 sensitive evidence" in result.output
    files = tree_bytes(tmp_path / "shared")
    assert not [f for f in files if "russia-needs-outside-allies" in f]
    # the relation citing it goes too, and the tree still builds
    assert not [f for f in files if b"russia-needs-outside-allies" in files[f]]
    build_database(tmp_path / "shared.db", tmp_path / "shared")
    export(db, tmp_path / "all", "--include-sensitive")
    assert "evidence/kyiv-independent-occupied-economy/russia-needs-outside-allies.yaml" in tree_bytes(tmp_path / "all")


def test_a_query_exports_a_subset_that_builds_on_its_own(built_db: Path, tmp_path: Path) -> None:
    export(built_db, tmp_path / "part", "actor:iran")
    files = tree_bytes(tmp_path / "part")
    evidence = [f for f in files if f.startswith("evidence/")]
    assert evidence and len(evidence) < 29
    assert "actors/iran.yaml" in files and "actors/tencent.yaml" not in files
    build_database(tmp_path / "part.db", tmp_path / "part")
    conn = sqlite3.connect(tmp_path / "part.db")
    assert conn.execute("SELECT count(*) FROM evidence").fetchone()[0] == len(evidence)
    conn.close()


# ------------------------------------------------------------------------------------------ any records at all

slugs = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4}){0,2}", fullmatch=True)
# Any text a file could hold: other scripts, bidi and zero-width characters, escapes, YAML's own syntax
texts = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=80
).filter(lambda t: t.strip() != "")
maybe = lambda s: st.none() | s  # noqa: E731
numbers = st.integers(-(10**12), 10**12) | st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False).filter(
    lambda f: f != int(f)
)
dates = st.from_regex(r"(19|20)\d\d(-0[1-9](-1[0-9])?)?", fullmatch=True)


@st.composite
def documents(draw: st.DrawFn) -> dict:
    actor_ids = draw(st.lists(slugs, min_size=1, max_size=5, unique=True))
    region_ids = draw(st.lists(slugs.map(lambda s: "r-" + s), min_size=1, max_size=3, unique=True))
    source_ids = draw(st.lists(slugs.map(lambda s: "s-" + s), min_size=1, max_size=2, unique=True))
    actors = [
        {
            "id": a,
            "name": draw(texts),
            "kind": draw(st.sampled_from(vocab.ACTOR_KINDS)),
            "summary": draw(maybe(texts)),
            "aliases": draw(st.lists(texts, max_size=3)),
        }
        for a in actor_ids
    ]
    regions = [{"id": r, "name": draw(texts), "aliases": draw(st.lists(texts, max_size=2))} for r in region_ids]
    sources = [{"id": s, "title": draw(texts), "notes": draw(maybe(texts))} for s in source_ids]
    evidence = []
    for i in range(draw(st.integers(0, 6))):
        linked = draw(st.lists(st.sampled_from(actor_ids), unique=True, max_size=3))
        evidence.append(
            {
                "id": f"e-{i}",
                "claim": draw(texts),
                "quote": draw(maybe(texts)),
                "category": draw(st.sampled_from(vocab.CATEGORIES)),
                "date": draw(maybe(dates)),
                "quantity": draw(maybe(numbers)),
                "source": draw(st.sampled_from(source_ids)),
                "status": draw(st.sampled_from(vocab.STATUSES)),
                "actors": [a if draw(st.booleans()) else {"id": a, "role": draw(texts)} for a in linked],
                "regions": draw(st.lists(st.sampled_from(region_ids), unique=True, max_size=3)),
            }
        )
    relations = []
    if len(actor_ids) > 1:
        relations.append({"subject": actor_ids[0], "object": actor_ids[1], "kind": "ally-of", "role": draw(texts)})
    gazetteer = [{"name": draw(texts), "regions": draw(st.lists(st.sampled_from(region_ids), min_size=1, unique=True))}]

    def clean(items: list[dict]) -> list[dict]:
        return [{k: v for k, v in item.items() if v not in (None, [])} for item in items]

    return {
        "sources": clean(sources),
        "actors": clean(actors),
        "regions": clean(regions),
        "evidence": clean(evidence),
        "relations": relations,
        "gazetteer": gazetteer,
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # shrinking a build takes minutes
)
@given(doc=documents())
def test_round_trips_are_exact_for_any_records(doc: dict, tmp_path_factory: pytest.TempPathFactory) -> None:
    from store.errors import DataError

    work = tmp_path_factory.mktemp("rt")
    (work / "in").mkdir()
    (work / "in" / "all.yaml").write_text(dump(doc), encoding="utf-8")
    try:
        build_database(work / "one.db", work / "in")
    except DataError:
        return  # two generated names that collide after validation (an alias equal to a name, …)
    export(work / "one.db", work / "tree")
    build_database(work / "two.db", work / "tree")
    assert records(work / "two.db") == records(work / "one.db")
    export(work / "two.db", work / "tree2")
    assert tree_bytes(work / "tree2") == tree_bytes(work / "tree")


# ---------------------------------------------------------------------------------------------------- history


def history_rows(path: Path) -> list[tuple]:
    """The history as a person reads it: rows in order, actions and undos by position, relations by key."""
    conn = sqlite3.connect(path)
    try:
        keys = {
            str(i): f"{s}--{k}--{o}"
            for i, s, o, k in conn.execute("SELECT id, subject_id, object_id, kind FROM relations")
        }
        rows = conn.execute(
            "SELECT id, at, who, kind, record_id, field, before, after, note, action, undoes FROM changes "
            "ORDER BY at, id"
        ).fetchall()
        position = {row[0]: n for n, row in enumerate(rows)}
        return [
            (
                at,
                who,
                kind,
                keys.get(record, record) if kind == "relation" else record,
                field,
                before,
                after,
                note,
                None if action is None else position[action],
                None if undoes is None else position[undoes],
            )
            for id_, at, who, kind, record, field, before, after, note, action, undoes in rows
        ]
    finally:
        conn.close()


def test_history_and_sensitivity_survive_round_trips(db: Path, tmp_path: Path) -> None:
    from store import review
    from store.connect import open_readwrite

    conn = open_readwrite(db)
    review.unseal(conn, "russia-needs-outside-allies", who="Olena")
    review.set_status(conn, "russia-needs-outside-allies", "disputed", who="Olena")
    review.edit(conn, "russia-needs-outside-allies", "claim", "A shorter claim about allies.", who="Olena")
    review.unseal(conn, "xi-putin-beijing-2024", who="Taras")
    review.set_status(conn, "xi-putin-beijing-2024", "rejected", who="Taras", note="a photo caption")
    review.undo(conn, who="Taras")
    review.unseal(conn, "iran-cooperation-early-stage", who="Olena")
    review.link(conn, "iran-cooperation-early-stage", "region", "crimea", who="Olena")
    review.mark_sensitive(conn, "evidence", "bank-branches-sell-yuan", who="Olena")
    conn.close()
    export(db, tmp_path / "tree", "--include-sensitive")
    files = tree_bytes(tmp_path / "tree")
    assert [f for f in files if f.startswith("history/evidence/russia-needs-outside-allies/")]
    assert b"bank-branches-sell-yuan" in files["sensitive.yaml"]
    build_database(tmp_path / "again.db", tmp_path / "tree")
    assert history_rows(tmp_path / "again.db") == history_rows(db)
    assert records(tmp_path / "again.db") == records(db)
    check = run_cli("check", "--db", str(tmp_path / "again.db"))
    assert check.exit_code == 0, check.output
    export(tmp_path / "again.db", tmp_path / "tree2", "--include-sensitive")
    assert tree_bytes(tmp_path / "tree2") == files
    # without --include-sensitive: neither the finding nor its history
    export(db, tmp_path / "shared")
    shared = tree_bytes(tmp_path / "shared")
    assert not [f for f in shared if "bank-branches-sell-yuan" in f] and "sensitive.yaml" not in shared


@settings(max_examples=60, deadline=None)
@given(doc=documents())
def test_the_fast_writer_writes_what_pyyaml_writes(doc: dict) -> None:
    from store.tree_yaml import pyyaml_dump

    for section, items in doc.items():
        for item in items:
            one = {section: [item]}
            assert dump(one) == pyyaml_dump(one)


def test_the_fast_writer_writes_the_dataset_as_pyyaml_does() -> None:
    from importers import loaders
    from store.tree_yaml import pyyaml_dump

    for path in sorted((ROOT / "dataset").rglob("*.yaml")):

        def plain(value: object) -> object:
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        doc = plain(loaders.load_yaml(path.read_text(encoding="utf-8"), str(path)))
        assert dump(doc) == pyyaml_dump(doc), path


@pytest.mark.parametrize(
    "text",
    [
        "a\x85b",
        "a\u2028b\u2029c",
        "two\nlines",
        "it's: here #not",
        "- dash",
        "2024-05-16",
        "true",
        "~",
        "\ufeffbom",
        "e\x1bx",
        "Hua\u200bwei у \u202eКриму\u202c",
        "می\u200cخواهم",
    ],
)
def test_any_text_reads_back_as_written(text: str) -> None:
    from importers import loaders

    doc = {"sources": [{"id": "s", "title": text}]}
    assert loaders.load_yaml(dump(doc), "t")["sources"][0]["title"] == text


def test_a_tree_file_holds_no_hidden_character_raw(db: Path, tmp_path: Path) -> None:
    """`export dataset` (and so the team's repository) wrote U+202E and U+200B raw into YAML files: `cat` or
    `git diff` showed the line reversed, the name looking like Huawei. Such a text is written in double quotes
    with escapes (the same text when built again); a joiner where Persian needs it stays as it is."""
    from importers import loaders

    hostile = "Hua\u200bwei у \u202eКриму\u202c"
    path = tmp_path / "h.yaml"
    path.write_text(
        "sources:\n  - {id: notes, title: Notes}\nactors:\n"
        '  - {id: zw-actor, name: "Hua\\u200bwei", kind: company}\n'
        "evidence:\n"
        '  - {id: rtl, claim: "Hua\\u200bwei у \\u202eКриму\\u202c", category: trade, source: notes}\n'
        '  - {id: fa, claim: "می\\u200cخواهم", category: trade, source: notes}\n',
        encoding="utf-8",
    )
    assert run_cli("import", "yaml", str(path), db=db).exit_code == 0
    export(db, tmp_path / "tree")
    files = tree_bytes(tmp_path / "tree")
    for name, data in files.items():
        text = data.decode("utf-8")
        assert "\u202e" not in text and "\u200b" not in text, name
    # By exact path: the history's file names end in a hex digest, which can end in "fa" too.
    actor = files["actors/zw-actor.yaml"]
    assert loaders.load_yaml(actor.decode(), "a")["actors"][0]["name"] == "Hua\u200bwei"
    rtl = files["evidence/notes/rtl.yaml"]
    assert loaders.load_yaml(rtl.decode(), "e")["evidence"][0]["claim"] == hostile
    fa = files["evidence/notes/fa.yaml"]
    assert "می\u200cخواهم" in fa.decode()
