"""Is this database's schema the one findings makes? A received file may hide code in its schema.

SQL stored in a database runs when it is used: a trigger on every write to its table, a view when it is read, a
generated column when its row is read, an index expression when its table is written. So before use:

- Reading (`check_readable`, every lookup and the explorer): each table findings reads must be a plain table
  (not a view or a virtual table) whose columns have the declared types findings gives them (the readers'
  conversions go by them: store.connect) and none computed, and each search index an FTS5 table; otherwise the
  file is refused. Triggers, views and virtual tables findings did not make are ignored — reading never runs a
  trigger, and findings reads only its own tables — with a note on standard error. Cheap: no reference schema.
- Writing (`check_writable`, imports, migrate, repair): the schema must be exactly the one `store.schema.create`
  makes (compared with a fresh one in memory, whitespace aside). A trigger findings did not make, an index on one
  of its tables, or any of its own objects changed is refused (`findings repair` removes what it did not make);
  views, virtual tables and tables of its own that findings did not make are left alone, never used, and noted.
- `differences` lists it all, for `findings check` and `findings repair`.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from pathlib import Path

from store.errors import DatabaseUnavailable

EXAMPLES = 3


class Obj:
    """One object of a schema: its type (table, index, trigger, view), name, table, and SQL (whitespace
    collapsed; "" for automatic indexes)."""

    __slots__ = ("name", "sql", "table", "type")

    def __init__(self, type: str, name: str, table: str, sql: str) -> None:
        self.type, self.name, self.table, self.sql = type, name, table, sql

    @property
    def virtual(self) -> bool:
        return self.type == "table" and self.sql.upper().startswith("CREATE VIRTUAL TABLE")

    def label(self) -> str:
        kind = "virtual table" if self.virtual else self.type
        on = f" on {self.table}" if self.type in ("index", "trigger") and self.table != self.name else ""
        return f"{kind} {self.name!r}{on}"


class Differences:
    """How a database's schema differs from this program's."""

    def __init__(self) -> None:
        self.unexpected: list[Obj] = []  # would run during a write: triggers, indexes on our tables
        self.ignored: list[Obj] = []  # views, virtual tables: never used
        self.extra_tables: list[Obj] = []  # plain tables findings did not make (data, left alone)
        self.changed: list[tuple[Obj, Obj]] = []  # (ours, theirs)
        self.missing: list[Obj] = []

    @property
    def blocking(self) -> list[str]:
        """What makes writing unsafe, as labels."""
        return (
            [o.label() for o in self.unexpected]
            + [f"changed {ours.label()}" for ours, _ in self.changed]
            + [f"missing {o.label()}" for o in self.missing]
        )


def _normal(sql: str | None) -> str:
    """SQL compared without its layout: whitespace collapsed, and none around parentheses and commas (SQLite
    writes a column ALTER TABLE added as `..., x TEXT)` after the table's own `... DEFAULT 0\n)`)."""
    return _PUNCTUATION.sub(r"\1", " ".join((sql or "").split()))


_PUNCTUATION = re.compile(r" ?([(),]) ?")  # on whitespace already collapsed to one space


def objects(conn: sqlite3.Connection, schema: str = "main") -> dict[tuple[str, str], Obj]:
    rows = conn.execute(f"SELECT type, name, tbl_name, sql FROM {schema}.sqlite_master").fetchall()
    out: dict[tuple[str, str], Obj] = {}
    for kind, name, table, sql in rows:
        kind, name, table = str(kind), str(name), str(table)
        if name.startswith("sqlite_") and not name.startswith("sqlite_autoindex_"):
            continue  # SQLite's own (sqlite_sequence, sqlite_stat1)
        out[(kind, name)] = Obj(kind, name, table, _normal(sql))
    return out


@functools.cache
def reference() -> dict[tuple[str, str], Obj]:
    """The schema a new database gets (store.schema.create), made once per process in memory."""
    from store import schema

    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        schema.create(conn)
        return objects(conn)
    finally:
        conn.close()


def differences(conn: sqlite3.Connection) -> Differences:
    ours, theirs = reference(), objects(conn)
    our_tables = {o.name for o in ours.values() if o.type == "table"}
    out = Differences()
    for key, obj in theirs.items():
        mine = ours.get(key)
        if mine is None:
            if obj.name.startswith("sqlite_autoindex_"):
                pass  # made by SQLite from its table's constraints, which the table's own SQL comparison covers
                # (an older schema's UNIQUE, e.g. v1's relations, goes with the migration that rebuilds it)
            elif obj.type == "trigger" or (obj.type == "index" and obj.table in our_tables):
                out.unexpected.append(obj)
            elif obj.type == "view" or obj.virtual:
                out.ignored.append(obj)
            elif obj.type == "table" and not _shadow_of(obj.name, theirs):
                out.extra_tables.append(obj)
            # (an index on a table findings did not make is never written by it)
        elif (mine.table, mine.sql) != (obj.table, obj.sql):
            out.changed.append((mine, obj))
    out.missing = [obj for key, obj in ours.items() if key not in theirs]
    return out


def _shadow_of(name: str, theirs: dict[tuple[str, str], Obj]) -> bool:
    """Whether table `name` is a shadow table of a virtual table (an FTS index's `x_data`, `x_idx`...)."""
    base, _, _ = name.rpartition("_")
    return bool(base) and ("table", base) in theirs and theirs[("table", base)].virtual


def check_writable(conn: sqlite3.Connection, path: Path, *, upgrading: bool = False) -> None:
    """Refuse to write a database whose schema would run code findings did not write (see the module docstring).
    `upgrading`: an older schema, about to be upgraded: objects a migration adds may be missing, and others may
    be older versions of ours; it is checked in full again once upgraded (store.write.begin). When the schema is
    exactly this program's, the connection is marked as verified (store.connect turns trusted_schema on)."""
    try:
        found = differences(conn)
    except sqlite3.DatabaseError as e:
        raise DatabaseUnavailable(f"{path} cannot be read as a database: {e}") from None
    blocking = [o.label() for o in found.unexpected] if upgrading else found.blocking
    if blocking:
        shown = ", ".join(blocking[:EXAMPLES]) + (
            f" and {len(blocking) - EXAMPLES} more" if len(blocking) > EXAMPLES else ""
        )
        raise DatabaseUnavailable(
            f"{path} has SQL that findings did not write and that would run during a write ({shown}); nothing "
            f"was written. `findings --db {path} check` lists it; `findings --db {path} repair` removes what "
            "findings did not make, after making a backup"
        )
    if found.ignored:
        from store.notes import note

        note(path, ignored_message(path, found.ignored))
    if not upgrading:
        conn.schema_verified = True  # type: ignore[attr-defined]


def ignored_message(path: Path, ignored: list[Obj]) -> str:
    shown = ", ".join(o.label() for o in ignored[:EXAMPLES])
    more = f" and {len(ignored) - EXAMPLES} more" if len(ignored) > EXAMPLES else ""
    return f"{path} holds SQL findings did not make ({shown}{more}): it is ignored, never run or read"


# --------------------------------------------------------------------------------------------------- reading


def _plain_tables() -> str:
    """The CREATE TABLE statements of the tables readers check."""
    from store import schema

    return "\n".join(
        [
            schema.TABLES,
            schema.GAZETTEER_TABLE,
            schema.RELATIONS_TABLE,
            schema.PROPOSALS_TABLE,
            schema.FTM_PROPERTIES_TABLE,
            schema.CHANGES_TABLE,
            schema.CAPTURES_TABLE,
            schema.FACET_COUNTS_TABLE,
        ]
    )


@functools.cache
def our_names() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(tables, search indexes, triggers) of this program's schema, from store.schema's statements (no database
    is made: this runs in every lookup)."""
    from store import schema

    tables = frozenset(re.findall(r"CREATE TABLE (\w+)", _plain_tables()))
    fts = frozenset(f"{t}_fts" for t in schema.FTS_COLUMNS)
    triggers = set(
        re.findall(
            r"CREATE TRIGGER (\w+)",
            "\n".join(
                [schema._triggers(), *schema.CHANGES_TRIGGERS, schema.facet_triggers(), schema.row_count_triggers()]
            ),
        )
    )
    triggers.update(f"{t}_{suffix}" for t in schema.FTS_COLUMNS for suffix in ("ai", "ad", "au"))
    return tables, fts, frozenset(triggers)


# A column starts a line, or follows a comma on the line of another (as SQLite writes a column that ALTER TABLE
# added, and store.schema writes them so that new and upgraded databases have the same SQL).
_COLUMN = re.compile(r'(?:^\s+|,\s*)("?)(\w+)\1\s+(TEXT|INTEGER|NUMERIC|REAL|BLOB)\b', re.MULTILINE)


@functools.cache
def our_columns() -> dict[str, dict[str, str]]:
    """table -> column -> declared type, of this program's tables, read from store.schema's CREATE TABLE
    statements (no database is made: this runs in every lookup; tests/test_hostile_db.py compares the result with
    a database's own account of its columns)."""
    from store import schema

    out: dict[str, dict[str, str]] = {}
    for block in re.split(r"(?=CREATE TABLE )", _plain_tables()):
        if m := re.match(r"CREATE TABLE (\w+)", block):
            out[m.group(1)] = {name: kind for _, name, kind in _COLUMN.findall(block)}
    for statement in (*schema.SENSITIVE_COLUMNS, *schema.EXTERNAL_IDS_COLUMNS):  # (added by ALTER TABLE, in new
        # databases as in upgraded ones)
        if m := re.match(r"ALTER TABLE (\w+) ADD COLUMN (\w+) (\w+)", statement):
            out.setdefault(m.group(1), {})[m.group(2)] = m.group(3).upper()
    return out


def check_readable(conn: sqlite3.Connection, path: Path) -> list[str]:
    """Refuse a database whose tables findings reads are not plain tables (a view would run the attacker's query
    instead; a generated column computes on every read); return notes on what is ignored."""
    tables, fts, triggers = our_names()
    from store.schema import VOCABULARY_TABLES

    vocabularies = frozenset(VOCABULARY_TABLES.values())  # the search indexes' word lists (did you mean)
    rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    by_name = {str(name): (str(kind), sql) for kind, name, sql in rows}
    for name in sorted(tables | fts | vocabularies):
        if name not in by_name:
            continue  # (an older schema, or not a findings database: the version check says which)
        kind, sql = by_name[name][0], _normal(by_name[name][1])  # (only these: every open of every command)
        virtual = sql.upper().startswith("CREATE VIRTUAL TABLE")
        if name in fts:
            wrong = kind != "table" or not virtual or not re.search(r"\bUSING\s+FTS5\b", sql, re.IGNORECASE)
            what = "an FTS5 search index"
        elif name in vocabularies:
            wrong = kind != "table" or not virtual or not re.search(r"\bUSING\s+FTS5VOCAB\b", sql, re.IGNORECASE)
            what = "an FTS5 vocabulary"
        else:
            wrong = kind != "table" or virtual
            what = "a plain table"
        if wrong:
            raise DatabaseUnavailable(
                f"{path} is not a findings database as this program makes them: {name!r} is "
                f"{'a view' if kind == 'view' else 'a virtual table' if virtual else 'not ' + what}, where findings "
                f"keeps {what}; it was not read (`findings check` shows more)"
            )
        if name in tables:
            declared = our_columns().get(name, {})
            for column in conn.execute(f'PRAGMA table_xinfo("{name}")').fetchall():
                column_name, column_type = str(column[1]), str(column[2]).upper()
                if column[6] in (2, 3):
                    raise DatabaseUnavailable(
                        f"{path} is not a findings database as this program makes them: column {column_name!r} of "
                        f"{name!r} is computed by SQL stored in the file; it was not read"
                    )
                if column_name in declared and declared[column_name] != column_type:
                    raise DatabaseUnavailable(
                        f"{path} is not a findings database as this program makes them: column {column_name!r} of "
                        f"{name!r} is declared {column_type or 'without a type'}, not {declared[column_name]}; it "
                        "was not read"
                    )
    ignored = [
        f"{kind} {name!r}"
        for name, (kind, sql) in sorted(by_name.items())
        if (kind == "view")
        or (kind == "trigger" and name not in triggers)
        or (kind == "table" and sql.upper().startswith("CREATE VIRTUAL TABLE") and name not in fts | vocabularies)
    ]
    if not ignored:
        return []
    shown = ", ".join(ignored[:EXAMPLES]) + (f" and {len(ignored) - EXAMPLES} more" if len(ignored) > EXAMPLES else "")
    return [f"{path} holds SQL findings did not make ({shown}): it is ignored, never run or read"]
