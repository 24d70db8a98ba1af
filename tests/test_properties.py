"""Property tests of the way in and out (search never raising is proved in tests/test_search.py):

- random valid records, written as native JSON and as native YAML, import into an empty database exactly as
  they were written (text stripped, codes upper-cased, nothing else changed);
- exported as FollowTheMoney and imported into another empty database, they come back unchanged;
- any mutation of a valid file (flipped, inserted, deleted or duplicated bytes, truncation) in any import
  format either imports or fails cleanly: exit 1, one line, no internal error, the database file unchanged;
- search answers the same from plans, counts and orders it remembered as from nothing: any sequence of
  queries and filters on one connection gives what each gives on a new one.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import schema, vocab
from tests.conftest import CONTENT_TABLES, content, digest, run_cli

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ------------------------------------------------------------------------------------------------ strategies

# Any text but NUL and lone surrogates (which the importers refuse): controls, markup, newlines, any script.
TEXT_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
slugs = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)


def texts(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(TEXT_CHARS, max_size=max_size)


def required_texts(max_size: int = 40) -> st.SearchStrategy[str]:
    return texts(max_size).filter(lambda t: t.strip() != "")


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def partial_dates(draw: st.DrawFn) -> str:
    year = draw(st.integers(1000, 2999))
    month = draw(optional(st.integers(1, 12)))
    if month is None:
        return f"{year:04d}"
    import calendar

    day = draw(optional(st.integers(1, calendar.monthrange(year, month)[1])))
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")


countries = st.sampled_from(sorted(vocab.COUNTRIES)).flatmap(lambda c: st.sampled_from([c, c.lower()]))
iso_codes = st.tuples(countries, st.from_regex(r"[A-Za-z0-9]{1,3}", fullmatch=True)).map(lambda t: f"{t[0]}-{t[1]}")
quantities = st.one_of(st.integers(-(2**53) + 1, 2**53 - 1), st.floats(allow_nan=False, allow_infinity=False, width=64))
relation_kinds = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)


def _put(rec: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        rec[key] = value


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid native document: sources, actors, regions, findings and relations that refer to each other."""
    doc: dict[str, Any] = {}
    source_ids = draw(st.lists(slugs, min_size=1, max_size=3, unique=True))
    sources = []
    for sid in source_ids:
        rec = {"id": sid, "title": draw(required_texts())}
        _put(rec, "publisher", draw(optional(texts())))
        _put(rec, "authors", draw(optional(texts())))
        _put(rec, "url", draw(optional(slugs.map(lambda s: f"https://example.org/{s}?q=[x]"))))
        _put(rec, "published", draw(optional(partial_dates())))
        _put(rec, "kind", draw(optional(st.sampled_from(vocab.SOURCE_KINDS))))
        _put(rec, "accessed", draw(optional(partial_dates())))
        _put(rec, "notes", draw(optional(texts(200))))
        sources.append(rec)
    doc["sources"] = sources

    actor_ids = draw(st.lists(slugs, max_size=4, unique=True))
    actors = []
    for aid in actor_ids:
        rec = {"id": aid, "name": draw(required_texts()), "kind": draw(st.sampled_from(vocab.ACTOR_KINDS))}
        _put(rec, "country", draw(optional(countries)))
        _put(rec, "summary", draw(optional(texts(200))))
        _put(rec, "role", draw(optional(texts())))
        _put(rec, "aliases", draw(optional(st.lists(required_texts(20), max_size=3))))
        actors.append(rec)
    if actors:
        doc["actors"] = actors

    region_ids = draw(st.lists(slugs, max_size=3, unique=True))
    regions = []
    for i, rid in enumerate(region_ids):
        rec = {"id": rid, "name": draw(required_texts())}
        _put(rec, "kind", draw(optional(st.sampled_from(vocab.REGION_KINDS))))
        _put(rec, "iso_code", draw(optional(iso_codes)))
        _put(rec, "parent", draw(optional(st.sampled_from(region_ids[:i]))) if i else None)
        _put(rec, "occupied_since", draw(optional(partial_dates())))
        _put(rec, "aliases", draw(optional(st.lists(required_texts(20), max_size=3))))
        regions.append(rec)
    if regions:
        doc["regions"] = regions

    evidence_ids = draw(st.lists(slugs, max_size=4, unique=True))
    evidence = []
    for eid in evidence_ids:
        rec = {
            "id": eid,
            "claim": draw(required_texts(200)),
            "category": draw(st.sampled_from(vocab.CATEGORIES)),
            "source": draw(st.sampled_from(source_ids)),
        }
        _put(rec, "quote", draw(optional(texts(200))))
        _put(rec, "date", draw(optional(partial_dates())))
        _put(rec, "quantity", draw(optional(quantities)))
        _put(rec, "unit", draw(optional(texts(20))))
        _put(rec, "locator", draw(optional(texts(20))))
        _put(rec, "status", draw(optional(st.sampled_from(vocab.STATUSES))))
        _put(rec, "confidence", draw(optional(st.sampled_from(vocab.CONFIDENCE))))
        if actor_ids:
            linked = draw(st.lists(st.sampled_from(actor_ids), unique=True, max_size=3))
            rec["actors"] = [
                aid if (role := draw(optional(texts(20)))) is None else {"id": aid, "role": role} for aid in linked
            ]
        if region_ids:
            rec["regions"] = draw(st.lists(st.sampled_from(region_ids), unique=True, max_size=3))
        evidence.append(rec)
    if evidence:
        doc["evidence"] = evidence

    if actor_ids:
        keys = draw(
            st.lists(
                st.tuples(st.sampled_from(actor_ids), st.sampled_from(actor_ids), relation_kinds),
                unique=True,
                max_size=3,
            )
        )
        relations = []
        for subject, obj, kind in keys:
            rec = {"subject": subject, "object": obj, "kind": kind}
            _put(rec, "role", draw(optional(texts(20))))
            _put(rec, "evidence", draw(optional(st.sampled_from(evidence_ids))) if evidence_ids else None)
            start, end = draw(optional(partial_dates())), draw(optional(partial_dates()))
            if start and end and end < start:
                start, end = end, start
            _put(rec, "start", start)
            _put(rec, "end", end)
            relations.append(rec)
        if relations:
            doc["relations"] = relations
    return doc


# ----------------------------------------------------------------------------------------- expected content


def _t(value: str | None) -> str | None:
    """What the importer stores for a free-text value: stripped; empty is NULL."""
    return (value.strip() or None) if value is not None else None


def _name(value: str | None) -> str | None:
    """What the importer stores for a name, alias, title or publisher, and for prose (a claim, quote, unit,
    locator, summary, role, authors, notes): also in Unicode NFC (store.integrity)."""
    text = _t(value)
    return unicodedata.normalize("NFC", text) if text is not None else None


def _aliases(name: str, aliases: list[str]) -> list[str]:
    seen, out = {name.strip().casefold()}, []
    for alias in aliases:
        text = alias.strip()
        if text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return list(dict.fromkeys(unicodedata.normalize("NFC", a) for a in out))


def _quantity(value: int | float | None) -> int | float | None:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def expected_content(doc: dict[str, Any]) -> dict[str, list[tuple]]:
    from store.language import detect

    out: dict[str, list[tuple]] = {table: [] for table in CONTENT_TABLES}
    for s in doc.get("sources", []):
        out["sources"].append(
            (
                s["id"],
                _name(s["title"]),
                _name(s.get("publisher")),
                _name(s.get("authors")),
                s.get("url"),
                s.get("published"),
                s.get("kind"),
                s.get("accessed"),
                _name(s.get("notes")),
                detect(_name(s["title"])),  # the language its text shows (store.language)
            )
        )
    for a in doc.get("actors", []):
        country = a.get("country")
        out["actors"].append(
            (
                a["id"],
                _name(a["name"]),
                a["kind"],
                country.upper() if country else None,
                _name(a.get("summary")),
                _name(a.get("role")),
            )
        )
        out["aliases"] += [("actor", a["id"], alias) for alias in _aliases(a["name"], a.get("aliases", []))]
    for r in doc.get("regions", []):
        iso = r.get("iso_code")
        out["regions"].append(
            (
                r["id"],
                _name(r["name"]),
                r.get("kind"),
                iso.upper() if iso else None,
                r.get("parent"),
                r.get("occupied_since"),
            )
        )
        out["aliases"] += [("region", r["id"], alias) for alias in _aliases(r["name"], r.get("aliases", []))]
    for e in doc.get("evidence", []):
        out["evidence"].append(
            (
                e["id"],
                _name(e["claim"]),
                _name(e.get("quote")),
                e["category"],
                e.get("date"),
                _quantity(e.get("quantity")),
                _name(e.get("unit")),
                e["source"],
                _name(e.get("locator")),
                e.get("status") or "unreviewed",
                e.get("confidence"),
                detect(f"{_name(e['claim'])} {_name(e['quote'])}" if _name(e.get("quote")) else _name(e["claim"])),
            )
        )
        for link in e.get("actors", []):
            actor_id, role = (link["id"], _t(link["role"])) if isinstance(link, dict) else (link, None)
            out["evidence_actors"].append((e["id"], actor_id, role))
        out["evidence_regions"] += [(e["id"], region_id) for region_id in e.get("regions", [])]
    for rel in doc.get("relations", []):
        out["relations"].append(
            (
                rel["subject"],
                rel["object"],
                rel["kind"],
                _t(rel.get("role")),
                rel.get("evidence"),
                rel.get("start"),
                rel.get("end"),
                None,  # percentage: the native format has none
            )
        )
    return {table: sorted(rows, key=repr) for table, rows in out.items()}


class _QuotedDumper(yaml.SafeDumper):
    """Every string double-quoted: control characters become escapes, and no text can read as a number."""


_QuotedDumper.add_representer(
    str, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
)


def to_yaml(doc: dict[str, Any]) -> str:
    return yaml.dump(doc, Dumper=_QuotedDumper, allow_unicode=True, width=10**9, sort_keys=False)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database with the schema, copied for each example."""
    from store.connect import open_readwrite

    path = tmp_path_factory.mktemp("template") / "empty.db"
    open_readwrite(path, create=True).close()
    return path


def fresh(template: Path, directory: Path, name: str) -> Path:
    path = directory / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, path)
    return path


# --------------------------------------------------------------------------------------------- round trips


@SETTINGS
@given(doc=documents())
def test_random_records_import_exactly_and_survive_an_ftm_round_trip(
    doc: dict[str, Any], template: Path, tmp_path: Path
) -> None:
    want = expected_content(doc)

    as_json = tmp_path / "doc.json"
    as_json.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    db = fresh(template, tmp_path, "json.db")
    result = run_cli("import", "json", str(as_json), db=db)
    assert result.exit_code == 0, result.output
    assert content(db) == want

    as_yaml = tmp_path / "doc.yaml"
    as_yaml.write_text(to_yaml(doc), encoding="utf-8")
    db_yaml = fresh(template, tmp_path, "yaml.db")
    result = run_cli("import", "yaml", str(as_yaml), db=db_yaml)
    assert result.exit_code == 0, result.output
    assert content(db_yaml) == want

    # out as FollowTheMoney, into an empty database, and back: the same content
    from store.connect import open_readonly
    from store.export_ftm import export

    conn = open_readonly(db)
    try:
        buffer = io.StringIO()
        export(conn, buffer)
    finally:
        conn.close()
    as_ftm = tmp_path / "doc.ftm"
    as_ftm.write_text(buffer.getvalue(), encoding="utf-8")
    db_ftm = fresh(template, tmp_path, "ftm.db")
    result = run_cli("import", "ftm", str(as_ftm), db=db_ftm)
    assert result.exit_code == 0, result.output
    # ... except that no file makes a finding curated (a person decides that)
    status = list(schema.EVIDENCE_COLUMNS).index("status")
    want["evidence"] = sorted(
        (
            tuple("unreviewed" if i == status and v == "curated" else v for i, v in enumerate(row))
            for row in want["evidence"]
        ),
        key=repr,
    )
    assert content(db_ftm) == want


# ---------------------------------------------------------------------------------------------- mutations

SRC = "kyiv-independent-occupied-economy"
VALID: dict[str, tuple[str, bytes]] = {
    "yaml": (
        "yaml",
        b"""source:
  id: mutant-source
  title: "Cranes in \\"Crimea\\" \\e[1m"
  published: 2025-06
actors:
  - {id: mutant-co, name: Mutant Shipping, kind: company, country: cn, aliases: [MutantCo]}
regions:
  - id: mutant-city
    name: Mutant City
    kind: city
    parent: crimea
evidence:
  - id: mutant-finding
    claim: Mutant Shipping leased 2 cranes in Mutant City.
    category: logistics
    date: 2025-06-01
    quantity: 2
    unit: cranes
    actors: [mutant-co, {id: china, role: home state}]
    regions: [mutant-city, crimea]
relations:
  - {subject: mutant-co, object: china, kind: based-in, evidence: mutant-finding, start: 2024}
""",
    ),
    "json": (
        "json",
        json.dumps(
            {
                "actors": [{"id": "mutant-co", "name": "Mutant Co", "kind": "company", "aliases": ["MC"]}],
                "evidence": [
                    {
                        "id": "mutant-finding",
                        "claim": "Mutant Co shipped 3 cranes.",
                        "category": "trade",
                        "source": SRC,
                        "quantity": 3,
                        "date": "2025-01",
                        "actors": ["mutant-co", {"id": "china", "role": "buyer"}],
                        "regions": ["crimea"],
                    }
                ],
            },
            indent=2,
        ).encode(),
    ),
    "csv": (
        "csv",
        (
            "id,claim,category,date,source_id,actors,regions,status,quantity,unit\n"
            f'mutant-1,"Mutant cranes, two of them.",trade,2024-03,{SRC},china:buyer;iran,crimea,unreviewed,2,cranes\n'
            f"mutant-2,Mutant port deal.,logistics,2024,{SRC},china,kherson;crimea,curated,,\n"
        ).encode(),
    ),
    "ftm": (
        "ftm",
        (
            "\n".join(
                json.dumps(e)
                for e in [
                    {"id": "m-co", "schema": "Company", "properties": {"name": ["Mutant LLC"], "country": ["ru"]}},
                    {"id": "m-p", "schema": "Person", "properties": {"name": ["Ivan Mutant"], "nationality": ["cn"]}},
                    {
                        "id": "m-d",
                        "schema": "Directorship",
                        "properties": {"director": ["m-p"], "organization": ["m-co"]},
                    },
                    {
                        "id": "m-e",
                        "schema": "Event",
                        "properties": {
                            "name": ["Forum"],
                            "involved": ["m-co"],
                            "country": ["ua-cri"],
                            "date": ["2025"],
                        },
                    },
                ]
            )
            + "\n"
        ).encode(),
    ),
    "article": (
        "article",
        b"# Mutant cranes\n\nChina's Mutant Shipping bought cranes in Sevastopol.\n\nIran sent grain via Berdiansk.\n",
    ),
}
SUFFIX = {"yaml": ".yaml", "json": ".json", "csv": ".csv", "ftm": ".ijson", "article": ".md"}


@st.composite
def mutations(draw: st.DrawFn, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(out)))
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "duplicate", "replace"]))
        if op == "flip" and at < len(out):
            out[at] ^= draw(st.integers(1, 255))
        elif op == "truncate":
            del out[at:]
        elif op == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del out[at : at + draw(st.integers(1, 20))]
        elif op == "duplicate":
            out[at:at] = out[at : at + draw(st.integers(1, 40))]
        elif op == "replace" and at < len(out):  # a character that means something to the parser
            out[at] = draw(st.sampled_from(b"\"'[]{}:,-\n#&*!|>%@`\\\t\r\x00\xff\xc3"))
    return bytes(out)


@pytest.fixture(scope="module")
def dataset_copy_source(built_db: Path) -> bytes:
    return built_db.read_bytes()


@pytest.mark.parametrize("fmt", list(VALID))
def test_a_mutated_file_imports_or_fails_cleanly(fmt: str, dataset_copy_source: bytes, tmp_path: Path) -> None:
    command, valid = VALID[fmt]
    db = tmp_path / "data.db"
    db.write_bytes(dataset_copy_source)
    path = tmp_path / f"input{SUFFIX[fmt]}"
    path.write_bytes(valid)
    assert run_cli("import", command, str(path), "--dry-run", db=db).exit_code == 0  # the unmutated file is valid

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        mutated = data.draw(mutations(valid), label="mutated")
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        db.write_bytes(dataset_copy_source)
        path.write_bytes(mutated)
        before = digest(db)
        result = run_cli("import", command, str(path), db=db)
        assert result.exit_code in (0, 1), result.output
        if result.exit_code == 1:
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
            assert "internal error" not in lines[0], lines[0]
            assert digest(db) == before
            wal = Path(f"{db}-wal")
            assert not wal.exists() or wal.stat().st_size == 0
        else:
            conn = sqlite3.connect(db)
            try:
                assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
                for table in ("evidence", "actors", "regions", "sources"):
                    conn.execute(f"INSERT INTO {table}_fts({table}_fts, rank) VALUES ('integrity-check', 1)")
            finally:
                conn.close()

    check()


# ----------------------------------------------------------------------------------- remembered search plans

QUERY_WORDS = st.sampled_from(
    [
        "yuan",
        "china",
        "crimea",
        "grain",
        "-bank",
        "wech",
        "OR",
        '"bank branches"',
        "actor:china",
        "actor:chna",
        "region:crimea",
        "country:cn",
        "country:IR,ru",
        "category:finance",
        "category:financ",
        "status:curated",
        "after:2024",
        "before:2025-13",
        "kind:evidence",
        "colour:red",
        "-actor:iran",
        "source:tester",
    ]
)
FILTER_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "actor_ids": st.sampled_from([("china",), ("iran", "north-korea")]),
        "region_ids": st.sampled_from([("crimea",), ("kherson", "donetsk")]),
        "categories": st.sampled_from([("finance",), ("trade", "energy")]),
        "countries": st.sampled_from([("CN",), ("ru", "IR")]),
        "years": st.sampled_from([("2025",), (2024, "2022")]),
        "statuses": st.sampled_from([("curated",)]),
    },
)


def _answers(conn: sqlite3.Connection, flt: Any) -> tuple:
    from store import search as S

    rows = S.list_evidence(conn, flt, limit=1000)
    hits = S.search(conn, flt.query, as_you_type=flt.as_you_type, limit=1000)
    return (
        [r.id for r in rows],
        S.list_evidence(conn, flt, offset=3, limit=4),
        S.count_evidence(conn, flt),
        S.facets(conn, flt),
        [(h.kind, h.id) for h in hits],
        S.count(conn, flt.query, as_you_type=flt.as_you_type),
        S.notes(conn, flt.query, as_you_type=flt.as_you_type),
    )


@SETTINGS
@given(
    steps=st.lists(
        st.tuples(st.lists(QUERY_WORDS, max_size=4).map(" ".join), FILTER_FIELDS, st.booleans()),
        min_size=1,
        max_size=6,
    )
)
def test_remembered_plans_answer_as_new_ones(built_db: Path, steps: list) -> None:
    from store.connect import open_readonly
    from store.search import EvidenceFilter

    shared = open_readonly(built_db)
    try:
        for text, fields, typing in steps:
            flt = EvidenceFilter(query=text, as_you_type=typing, **fields)
            fresh = open_readonly(built_db)
            try:
                assert _answers(shared, flt) == _answers(fresh, flt), flt
            finally:
                fresh.close()
    finally:
        shared.close()
