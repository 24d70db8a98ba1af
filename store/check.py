"""Health checks of a findings database (`findings check`): storage, schema, references, derived data, values,
names, search indexes.

Each check returns the problems it found; an empty list means healthy. Checks only read: the database is opened
read-only (store.connect) and never written, so `check` on a file leaves it byte for byte as it was. FTS5's own
integrity check is an INSERT, so it runs on a copy of each search index in the temporary database (temporary
files go to the system's temporary directory, not beside the database), reading the rows from the main file;
when it finds the index wrong, the index's every token (term, row, column, position, read through an
`fts5vocab` table) is compared with those of a fresh index of the content table, to name the rows. The phases
are shared out among a few threads, each with a read-only connection of its own, the longest (storage
integrity) first: SQLite works without Python's lock, so they take a core each. `findings repair`
(store.repair) fixes what can be fixed, after making a backup.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from store import integrity, journal, schema_check
from store.schema import FACET_RECOUNT_NOT_COUNTRIES, FTS_COLUMNS, SCHEMA_VERSION, TOKENIZE

EXAMPLES = 5
CHECK_PROGRESS_STEPS = 1_000_000  # (50-100 ms of SQLite's work: Ctrl-C uses interrupt(), which needs no handler)
CHECK_TIME_FACTOR = 10  # check reads everything (integrity, every search index): each step may take longer


@dataclass
class Finding:
    check: str
    ok: bool
    detail: str = ""
    count: int = 0
    examples: list[str] = field(default_factory=list)
    warning: bool = False  # worth knowing, not a fault: `check` still exits 0


def _rows(conn: sqlite3.Connection, sql: str) -> tuple[int, list[str]]:
    rows = conn.execute(sql).fetchall()
    return len(rows), [" ".join(str(v) for v in row) for row in rows[:EXAMPLES]]


# (check name, what it means when it fails, SQL listing the offending rows)
REFERENCE_CHECKS: list[tuple[str, str, str]] = [
    (
        "evidence without a source",
        "findings whose source_id is empty or names no source",
        "SELECT e.id, e.source_id FROM evidence e LEFT JOIN sources s ON s.id = e.source_id WHERE s.id IS NULL",
    ),
    (
        "evidence links to missing actors",
        "evidence_actors rows whose finding or actor does not exist",
        "SELECT l.evidence_id, l.actor_id FROM evidence_actors l "
        "WHERE NOT EXISTS (SELECT 1 FROM evidence e WHERE e.id = l.evidence_id) "
        "OR NOT EXISTS (SELECT 1 FROM actors a WHERE a.id = l.actor_id)",
    ),
    (
        "evidence links to missing regions",
        "evidence_regions rows whose finding or region does not exist",
        "SELECT l.evidence_id, l.region_id FROM evidence_regions l "
        "WHERE NOT EXISTS (SELECT 1 FROM evidence e WHERE e.id = l.evidence_id) "
        "OR NOT EXISTS (SELECT 1 FROM regions r WHERE r.id = l.region_id)",
    ),
    (
        "relations to missing rows",
        "relations whose subject, object or evidence does not exist",
        "SELECT r.subject_id, r.kind, r.object_id FROM relations r "
        "WHERE NOT EXISTS (SELECT 1 FROM actors a WHERE a.id = r.subject_id) "
        "OR NOT EXISTS (SELECT 1 FROM actors a WHERE a.id = r.object_id) "
        "OR (r.evidence_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.id = r.evidence_id))",
    ),
    (
        "regions with a missing parent",
        "regions whose parent_id names no region",
        "SELECT r.id, r.parent_id FROM regions r WHERE r.parent_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM regions p WHERE p.id = r.parent_id)",
    ),
    (
        "aliases pointing nowhere",
        "aliases whose actor, region or source does not exist",
        "SELECT a.kind, a.ref_id, a.alias FROM aliases a WHERE NOT ("
        "(a.kind = 'actor' AND EXISTS (SELECT 1 FROM actors x WHERE x.id = a.ref_id)) OR "
        "(a.kind = 'region' AND EXISTS (SELECT 1 FROM regions x WHERE x.id = a.ref_id)) OR "
        "(a.kind = 'source' AND EXISTS (SELECT 1 FROM sources x WHERE x.id = a.ref_id)))",
    ),
    (
        "external ids pointing nowhere",
        "external_ids whose row does not exist",
        "SELECT x.system, x.external_id, x.kind, x.ref_id FROM external_ids x WHERE NOT ("
        "(x.kind = 'actor' AND EXISTS (SELECT 1 FROM actors t WHERE t.id = x.ref_id)) OR "
        "(x.kind = 'region' AND EXISTS (SELECT 1 FROM regions t WHERE t.id = x.ref_id)) OR "
        "(x.kind = 'source' AND EXISTS (SELECT 1 FROM sources t WHERE t.id = x.ref_id)) OR "
        "(x.kind = 'evidence' AND EXISTS (SELECT 1 FROM evidence t WHERE t.id = x.ref_id)) OR "
        "(x.kind = 'relation' AND EXISTS (SELECT 1 FROM relations t WHERE t.id = CAST(x.ref_id AS INTEGER))))",
    ),
]

# The reference checks that PRAGMA foreign_key_check answers already (their columns are declared REFERENCES):
# their own SQL runs only to name examples, when that check found rows of the table pointing nowhere.
FOREIGN_KEY_TABLES = {
    "evidence without a source": "evidence",
    "evidence links to missing actors": "evidence_actors",
    "evidence links to missing regions": "evidence_regions",
    "relations to missing rows": "relations",
    "regions with a missing parent": "regions",
}

DERIVED_CHECKS: list[tuple[str, str, str]] = [
    (
        "actor evidence counts",
        "actors.evidence_count differs from the number of linked findings",
        "SELECT a.id, a.evidence_count, c.n FROM actors a LEFT JOIN "
        "(SELECT actor_id, count(*) AS n FROM evidence_actors GROUP BY actor_id) c ON c.actor_id = a.id "
        "WHERE a.evidence_count != coalesce(c.n, 0)",
    ),
    (
        "region evidence counts",
        "regions.evidence_count differs from the number of linked findings",
        "SELECT r.id, r.evidence_count, c.n FROM regions r LEFT JOIN "
        "(SELECT region_id, count(*) AS n FROM evidence_regions GROUP BY region_id) c ON c.region_id = r.id "
        "WHERE r.evidence_count != coalesce(c.n, 0)",
    ),
    (
        "source evidence counts",
        "sources.evidence_count differs from the number of findings citing it",
        "SELECT s.id, s.evidence_count, c.n FROM sources s LEFT JOIN "
        "(SELECT source_id, count(*) AS n FROM evidence GROUP BY source_id) c ON c.source_id = s.id "
        "WHERE s.evidence_count != coalesce(c.n, 0)",
    ),
    (
        "alias columns",
        "actors.aka / regions.aka differ from the aliases table (search would miss aliases)",
        "SELECT 'actor', a.id FROM actors a WHERE coalesce(a.aka, '') != coalesce((SELECT group_concat(alias, ' ; ') "
        "FROM (SELECT alias FROM aliases WHERE kind = 'actor' AND ref_id = a.id ORDER BY alias)), '') "
        "UNION ALL SELECT 'region', r.id FROM regions r WHERE coalesce(r.aka, '') != coalesce((SELECT "
        "group_concat(alias, ' ; ') FROM (SELECT alias FROM aliases WHERE kind = 'region' AND ref_id = r.id "
        "ORDER BY alias)), '')",
    ),
]
# Called at the start of each phase (found = None) and at its end (with what it found; an empty list for a phase
# that was not run): the phase's index in phases(), how many phases there are, its name. Phases run side by
# side, so the calls come from the threads that run them, one at a time, in the order phases start and end.
Progress = Callable[[int, int, str, "list[Finding] | None"], None]
_SIMPLE_PHASES: list[tuple[str, Callable[[sqlite3.Connection], Finding]]] = []  # filled below the functions
MIXED_SCRIPTS = "words mixing Latin and Cyrillic letters"
# Started first (the longest at a million findings), so that the others fill the time beside them.
_LONGEST = (
    "storage integrity",
    "search index of evidence",
    "history",
    "foreign keys and references",
    "values of the right type",
)
# SQLite runs without Python's lock, so checks on separate connections run at once, a core each.
WORKERS = max(2, min(3, os.cpu_count() or 2))


def phases() -> list[str]:
    """The names of the phases of run_checks, in the order of the report (the foreign-key phase reports several
    checks)."""
    return [
        "storage integrity",
        "foreign keys and references",
        "schema version",
        "schema",
        "journal files",
        *(name for name, _, _ in REFERENCE_CHECKS if name not in FOREIGN_KEY_TABLES),
        *(name for name, _, _ in DERIVED_CHECKS),
        *(name for name, _ in _SIMPLE_PHASES),
        *(f"search index of {table}" for table in FTS_COLUMNS),
        MIXED_SCRIPTS,
    ]


Phase = Callable[[sqlite3.Connection], "list[Finding]"]


def _plan(path: Path) -> dict[str, Phase]:
    """What each phase runs, on the connection of the thread that runs it."""
    plan: dict[str, Phase] = {
        "storage integrity": lambda conn: [_damaged("storage integrity", _integrity, conn)],
        "foreign keys and references": _references,
        "schema version": lambda conn: [_damaged("schema version", _version, conn)],
        "schema": lambda conn: [_damaged("schema", _schema, conn)],
        "journal files": lambda conn: [_journal_files(path)],
    }
    for name, detail, sql in REFERENCE_CHECKS + DERIVED_CHECKS:
        if name not in FOREIGN_KEY_TABLES:
            plan[name] = partial(_listed_phase, name=name, detail=detail, sql=sql)
    for name, check in _SIMPLE_PHASES:
        plan[name] = partial(_damaged_phase, name=name, check=check)
    for table, columns in FTS_COLUMNS.items():
        plan[f"search index of {table}"] = partial(_fts_phase, table=table, columns=columns)
    plan[MIXED_SCRIPTS] = partial(_damaged_phase, name=MIXED_SCRIPTS, check=_mixed_scripts)
    return plan


def run_checks(path: Path, *, progress: Progress | None = None, workers: int = WORKERS) -> list[Finding]:
    """Every check, each phase on one of `workers` read-only connections, in threads; the longest start first.
    `progress` hears of each phase as it starts and ends."""
    from store.connect import open_readonly

    conns: list[sqlite3.Connection] = []
    try:
        for i in range(workers):
            opened = open_readonly(path, notes=i == 0)
            opened.budget *= CHECK_TIME_FACTOR
            opened.pace(CHECK_PROGRESS_STEPS)
            conns.append(opened)
        return _Run(_plan(path), conns, progress).run()
    finally:
        for conn in conns:
            conn.close()


class _Run:
    """The phases of one check, shared out among threads, a connection each. What the words of every text say
    is kept until the storage is known intact: from damaged storage it is not reported (a damaged page could
    hold anything)."""

    def __init__(self, plan: dict[str, Phase], conns: list[sqlite3.Connection], progress: Progress | None) -> None:
        self.names = phases()
        self.plan, self.conns, self.progress = plan, conns, progress
        self.waiting = deque(sorted(self.names, key=lambda n: _LONGEST.index(n) if n in _LONGEST else len(_LONGEST)))
        self.found: dict[str, list[Finding]] = {}
        self.held: list[Finding] | None = None  # the mixed-script words, found before the storage was checked
        self.lock = threading.Lock()
        self.failures: list[BaseException] = []
        self.stopped = False  # (Ctrl-C, or an error: what the phases then say is not reported)

    def run(self) -> list[Finding]:
        threads = [threading.Thread(target=self._work, args=(c,), name=f"check-{i}") for i, c in enumerate(self.conns)]
        for t in threads:
            t.start()
        try:
            for t in threads:
                while t.is_alive():  # (a join with a timeout: Ctrl-C is heard meanwhile)
                    t.join(0.25)
        except BaseException:
            self._stop()
            for t in threads:
                t.join()
            raise
        if self.failures:
            raise self.failures[0]
        found = [f for name in self.names for f in self.found[name]]
        if not self.found["storage integrity"][0].ok:  # repair refuses damaged storage: it cannot rebuild then
            for f in found:
                f.detail = f.detail.replace(REBUILD, "restore the database from a backup (its storage is damaged)")
        return found

    def _stop(self) -> None:
        with self.lock:
            self.waiting.clear()
            self.stopped = True
        for conn in self.conns:
            conn.interrupt()

    def _work(self, conn: sqlite3.Connection) -> None:
        try:
            while True:
                with self.lock:
                    if not self.waiting or self.failures:
                        return
                    name = self.waiting.popleft()
                self._tell(name, None)
                self._ended(name, self.plan[name](conn))
        except BaseException as e:
            with self.lock:
                self.failures.append(e)
            self._stop()

    def _ended(self, name: str, result: list[Finding]) -> None:
        storage = "storage integrity"
        with self.lock:
            if name == MIXED_SCRIPTS and storage not in self.found:
                self.held = result
                return
            if name == MIXED_SCRIPTS and not self.found[storage][0].ok:
                result = []
            self.found[name] = result
            held, self.held = (self.held, None) if name == storage else (None, self.held)
            if held is not None and not result[0].ok:
                held = []
            if held is not None:
                self.found[MIXED_SCRIPTS] = held
        self._tell(name, result)
        if held is not None:
            self._tell(MIXED_SCRIPTS, held)

    def _tell(self, name: str, result: list[Finding] | None) -> None:
        if self.progress is not None:
            with self.lock:
                if not self.stopped:
                    self.progress(self.names.index(name), len(self.names), name, result)


def _listed_phase(conn: sqlite3.Connection, *, name: str, detail: str, sql: str) -> list[Finding]:
    return [_listed(conn, name, detail, sql)]


def _damaged_phase(
    conn: sqlite3.Connection, *, name: str, check: Callable[[sqlite3.Connection], Finding]
) -> list[Finding]:
    return [_damaged(name, check, conn)]


def _listed(conn: sqlite3.Connection, name: str, detail: str, sql: str) -> Finding:
    """A check whose SQL lists the offending rows."""
    try:
        n, examples = _rows(conn, sql)
    except sqlite3.DatabaseError as e:  # a damaged page, a missing table: report it and go on
        return Finding(name, False, f"could not be checked: {e}", 1)
    return Finding(name, n == 0, detail if n else "", n, examples)


def _references(conn: sqlite3.Connection) -> list[Finding]:
    """PRAGMA foreign_key_check once, and the reference checks it answers, named by what they mean."""
    try:
        rows = conn.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError as e:
        failed = [Finding("foreign keys", False, f"could not be checked: {e}", 1)]
        return failed + [
            _listed(conn, name, detail, sql) for name, detail, sql in REFERENCE_CHECKS if name in FOREIGN_KEY_TABLES
        ]
    examples = [f"{table} row {rowid} -> {parent}" for table, rowid, parent, _ in rows[:EXAMPLES]]
    out = [Finding("foreign keys", not rows, "rows point at missing parents" if rows else "", len(rows), examples)]
    broken = {row[0] for row in rows}
    for name, detail, sql in REFERENCE_CHECKS:
        if name in FOREIGN_KEY_TABLES:
            table = FOREIGN_KEY_TABLES[name]
            out.append(_listed(conn, name, detail, sql) if table in broken else Finding(name, True))
    return out


def _damaged(name: str, check: Callable[[sqlite3.Connection], Finding], conn: sqlite3.Connection) -> Finding:
    """Run one check; a file too damaged to run it on is a failed check, not a crash."""
    try:
        return check(conn)
    except sqlite3.DatabaseError as e:
        return Finding(name, False, f"could not be checked: {e}", 1)


def _history(conn: sqlite3.Connection) -> Finding:
    from store.history import inconsistencies

    n, examples = inconsistencies(conn, limit=EXAMPLES)
    detail = "records differ from their history (changed outside findings, or history lost)" if n else ""
    return Finding("history", n == 0, detail, n, examples)


def _integrity(conn: sqlite3.Connection) -> Finding:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    ok = rows == ["ok"]
    return Finding(
        "storage integrity",
        ok,
        "" if ok else "PRAGMA integrity_check reports damage",
        len(rows) * (not ok),
        rows[:EXAMPLES] if not ok else [],
    )


def _version(conn: sqlite3.Connection) -> Finding:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    ok = row is not None and row[0] == str(SCHEMA_VERSION)
    detail = "" if ok else f"schema version {row[0] if row else 'missing'}; expected {SCHEMA_VERSION}"
    return Finding("schema version", ok, detail)


def _schema(conn: sqlite3.Connection) -> Finding:
    found = schema_check.differences(conn)
    problems = found.blocking
    ignored = [o.label() for o in found.ignored]
    if problems:
        detail = "SQL findings did not write, which would run during a write (imports refuse the file); " + (
            "`findings repair` removes what findings did not make"
        )
        return Finding("schema", False, detail, len(problems), problems[:EXAMPLES])
    detail = f"ignored (never run or read): {', '.join(ignored[:EXAMPLES])}" if ignored else ""
    return Finding("schema", True, detail)


def _journal_files(path: Path) -> Finding:
    if journal.stray_wal(path):
        return Finding(
            "journal files",
            False,
            f"{journal.sidecar(path, '-wal').name} is not this database's write-ahead log (it is ignored; imports "
            "refuse the file); `findings repair` moves it aside",
            1,
        )
    return Finding("journal files", True)


def parent_cycles(conn: sqlite3.Connection) -> Finding:
    cycles = integrity.region_cycles(conn)
    examples = [" -> ".join([*ring, ring[0]]) for ring in cycles[:EXAMPLES]]
    detail = "regions that are their own ancestors (parent_id goes round); set one parent_id in each to NULL"
    return Finding("region parent cycles", not cycles, detail if cycles else "", len(cycles), examples)


_TYPES = {"TEXT": ("text",), "INTEGER": ("integer",), "NUMERIC": ("integer", "real")}
_NOT_TEXT = """(+"{0}" < '' OR +"{0}" >= x'')"""  # (a number sorts before every text, a blob after)


def value_types(conn: sqlite3.Connection) -> Finding:
    """Values whose storage type is not their column's (a BLOB category, a number as a claim): another program
    wrote them. Readers show them as text, or stop at a non-number where a number belongs. One pass over each
    table counts every column; a column with wrong values is then asked for its first one."""
    problems: list[str] = []
    n = 0
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    ours, _, _ = schema_check.our_names()
    for table in sorted(set(tables) & ours - {"facet_counts"}):  # its values are copies of the findings' own
        key = {"sources": "id", "actors": "id", "regions": "id", "evidence": "id", "ftm_properties": "ref_id"}.get(
            table, "rowid"
        )  # (ftm_properties has no rowid)
        typed: list[tuple[str, str, str]] = []  # (column, its declared type, the storage types it allows, as SQL)
        for column in conn.execute(f'PRAGMA table_info("{table}")').fetchall():
            name, declared = column[1], str(column[2]).upper()
            if declared in _TYPES:
                typed.append((name, declared, ", ".join(f"'{t}'" for t in (*_TYPES[declared], "null"))))
        if not typed:
            continue
        wrong = [f'typeof("{c}") NOT IN ({allowed})' for c, _, allowed in typed]
        # One test per row first, a count per column only where it found something (a count each is an
        # aggregate step per column and row, twice the time of the test at a million rows). In the test, a TEXT
        # column's value is wrong where it sorts before every text (a number) or after (a blob): two
        # comparisons, half the time of typeof() and its list.
        test = [_NOT_TEXT.format(c) if t == "TEXT" else w for (c, t, _), w in zip(typed, wrong, strict=True)]
        if not conn.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}" WHERE {" OR ".join(test)})').fetchone()[0]:
            continue
        counts = conn.execute(
            "SELECT " + ", ".join(f"count(*) FILTER (WHERE {w})" for w in wrong) + f' FROM "{table}"'
        ).fetchone()
        for (name, _, allowed), count in zip(typed, counts, strict=True):
            if not count:
                continue
            example, kind = conn.execute(
                f'SELECT min({key}), min(typeof("{name}")) FROM "{table}" WHERE typeof("{name}") NOT IN ({allowed})'
            ).fetchone()
            n += count
            problems.append(f"{table}.{name}: {count:,} ({kind}; e.g. {key} {example})")
    detail = "values stored with another type than their column's (written by another program)"
    return Finding("values of the right type", not n, detail if n else "", n, problems[:EXAMPLES])


def _hidden(conn: sqlite3.Connection) -> Finding:
    found = integrity.hidden_in_database(conn)
    detail = "zero-width, bidi or tag characters inside names or ids (`Hua<U+200B>wei` looks like Huawei)"
    examples = [str(h) for h in found[:EXAMPLES]]
    return Finding(
        "hidden characters in names and ids", True, detail if found else "", len(found), examples, bool(found)
    )


def _nfc(conn: sqlite3.Connection) -> Finding:
    found = integrity.not_nfc_in_database(conn)
    detail = "ids, names or aliases not in Unicode NFC (another program wrote them): what people type may miss them"
    return Finding("ids and names in NFC", True, detail if found else "", len(found), found[:EXAMPLES], bool(found))


def _mixed_scripts(conn: sqlite3.Connection) -> Finding:
    """Records with a word mixing Latin and Cyrillic look-alike letters (store.check_scripts): ok, nothing is
    damaged, with the count and the first examples, for a person to look at."""
    from store.check_scripts import mixed_script_records

    n, examples = mixed_script_records(conn, limit=EXAMPLES)
    detail = f"{n:,} record(s) to look at (search reads them as the word they look like)" if n else ""
    return Finding(MIXED_SCRIPTS, True, detail, n, examples)


def facet_counts(conn: sqlite3.Connection) -> Finding:
    """facet_counts against the findings. Countries are counted here in one ordered pass over the actor links
    (each finding's countries once), which at a million findings is about twice as fast as SQLite's DISTINCT."""
    want: dict[tuple[str, str], int] = {(f, v): n for f, v, n in conn.execute(FACET_RECOUNT_NOT_COUNTRIES) if n}
    country = dict(conn.execute("SELECT id, country FROM actors WHERE country IS NOT NULL"))
    last, seen = None, set[str]()
    for eid, aid in conn.execute("SELECT evidence_id, actor_id FROM evidence_actors ORDER BY evidence_id"):
        c = country.get(aid)
        if c is None:
            continue
        if eid != last:
            last, seen = eid, set()
        if c not in seen:
            seen.add(c)
            want[("country", c)] = want.get(("country", c), 0) + 1
    kept = {(f, v): n for f, v, n in conn.execute("SELECT facet, value, n FROM facet_counts") if n}
    # (sorted by their text: a damaged database may hold a BLOB or a number where a category or a country is)
    wrong = sorted((k for k in want.keys() | kept.keys() if want.get(k, 0) != kept.get(k, 0)), key=repr)
    examples = [f"{f} {v!r}: kept {kept.get((f, v), 0):,}, counted {want.get((f, v), 0):,}" for f, v in wrong]
    detail = "facet_counts differs from the findings (facets and totals would show wrong numbers)"
    return Finding("facet counts", not wrong, detail if wrong else "", len(wrong), examples[:EXAMPLES])


_SIMPLE_PHASES += [
    ("facet counts", facet_counts),
    ("region parent cycles", parent_cycles),
    ("values of the right type", value_types),
    ("hidden characters in names and ids", _hidden),
    ("ids and names in NFC", _nfc),
    ("history", _history),
]


def _fts_phase(conn: sqlite3.Connection, *, table: str, columns: tuple[str, ...]) -> list[Finding]:
    """One search index (see the module docstring), read-only."""
    conn.execute("PRAGMA query_only = OFF")  # for the temporary database only: the main file is opened read-only
    try:
        return [_fts_one(conn, table, columns)]
    finally:
        conn.execute("PRAGMA query_only = ON")


REBUILD = "`findings repair` rebuilds it"
FTS_SHADOWS = ("data", "idx", "docsize", "config")  # the tables an FTS5 index with external content keeps


def _fts_one(conn: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> Finding:
    name = f"search index of {table}"
    try:
        if index_in_step(conn, table, columns):
            return Finding(name, True)
        differ, examples = compare_index(conn, table, columns)
    except sqlite3.DatabaseError as e:
        return Finding(name, False, f"could not be read: {e}; {REBUILD}", 1)
    if not differ:  # every row's words are right: the index's own bookkeeping is not
        detail = f"{table}_fts is damaged (its structure or its row sizes disagree with {table}); {REBUILD}"
        return Finding(name, False, detail, 1)
    detail = f"{table}_fts disagrees with {table} (rows {', '.join(examples)}); {REBUILD}"
    return Finding(name, False, detail, differ, examples)


def index_in_step(conn: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> bool:
    """Whether `table`_fts agrees with `table` by FTS5's own integrity check (every word of every row at its
    place, the row sizes, the index's structure), run on a copy of the index in the temporary database, in one
    read transaction: the check is an INSERT, which the read-only main file refuses. False says only that the
    index is not right; compare_index names the rows. Needs query_only off (for the temporary database)."""
    copy, rows = f"findings_check_{table}_copy", f"findings_check_{table}_rows"
    cols = ", ".join(f'"{c}"' for c in columns)
    conn.execute("BEGIN")
    try:
        conn.execute(f'CREATE TEMP VIEW {rows} AS SELECT rowid AS findings_rowid, {cols} FROM main."{table}"')
        conn.execute(
            f"CREATE VIRTUAL TABLE temp.{copy} USING fts5({cols}, tokenize='{TOKENIZE}', content='{rows}', "
            "content_rowid='findings_rowid')"
        )
        for shadow in FTS_SHADOWS:
            conn.execute(f"DELETE FROM temp.{copy}_{shadow}")
            conn.execute(f'INSERT INTO temp.{copy}_{shadow} SELECT * FROM main."{table}_fts_{shadow}"')
        try:
            conn.execute(f"INSERT INTO temp.{copy} ({copy}, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError as e:
            if e.sqlite_errorcode & 0xFF == sqlite3.SQLITE_CORRUPT:  # what the check says of an index out of step
                return False
            raise
        return True
    finally:
        conn.execute("ROLLBACK")  # (the copy goes with it)


def compare_index(conn: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> tuple[int, list[str]]:
    """(rows whose tokens differ between `table`_fts and a fresh index of `table`, a few of their ids)."""
    fresh, stored, rebuilt = (
        f"findings_check_{table}",
        f"findings_check_{table}_stored",
        f"findings_check_{table}_fresh",
    )
    cols = ", ".join(f'"{c}"' for c in columns)
    try:
        conn.execute(f"CREATE VIRTUAL TABLE temp.{fresh} USING fts5({cols}, tokenize='{TOKENIZE}')")
        conn.execute(f"INSERT INTO temp.{fresh} (rowid, {cols}) SELECT rowid, {cols} FROM main.{table}")
        conn.execute(f"CREATE VIRTUAL TABLE temp.{stored} USING fts5vocab(main, {table}_fts, instance)")
        conn.execute(f"CREATE VIRTUAL TABLE temp.{rebuilt} USING fts5vocab(temp, {fresh}, instance)")
        rows = conn.execute(
            f"SELECT DISTINCT doc FROM (SELECT * FROM temp.{stored} EXCEPT SELECT * FROM temp.{rebuilt} "
            f"UNION ALL SELECT * FROM (SELECT * FROM temp.{rebuilt} EXCEPT SELECT * FROM temp.{stored}))"
        ).fetchall()
        docs = [r[0] for r in rows]
        ids = (
            [
                str(r[0])
                for r in conn.execute(
                    f"SELECT {'id' if table != 'relations' else 'rowid'} FROM main.{table} WHERE rowid IN "
                    f"({','.join('?' * len(docs[:EXAMPLES]))})",
                    docs[:EXAMPLES],
                )
            ]
            if docs
            else []
        )
        return len(docs), ids or [f"rowid {d}" for d in docs[:EXAMPLES]]
    finally:
        for name in (rebuilt, stored, fresh):
            conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
