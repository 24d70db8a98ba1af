"""The database schema, created by code.

Table and column names are an interface: other tools (sqlite3, Datasette, sqlite-utils) and acceptance checks
read them. Derived columns are kept up to date by triggers, so they stay right whoever writes:

- `actors.aka`, `regions.aka`: the entity's aliases, joined; indexed by FTS so aliases are searchable.
- `evidence.linked_names`: names and aliases of the actors and regions linked to a finding; indexed by FTS so
  that `WeChat` or `Lugansk` finds the findings linked to Tencent or Luhansk even when the text does not say so.
- `actors.evidence_count`, `regions.evidence_count`, `sources.evidence_count`: for lists that show counts
  without a GROUP BY over every link.
- `facet_counts`: how many findings there are in all, per category, per year and per country of a linked actor
  (each finding once per country), so that facets and totals read a few rows instead of every finding.
- `regions.places`: the gazetteer's place names in the region (Mariupol, Маріуполь for Donetsk Oblast), kept
  by triggers on `gazetteer`; indexed, so that searching a place offers its region.
- `keys`, `stems` (evidence, sources, actors, regions): matching keys (store/matchkey.py) of the text, so that
  a search finds other scripts, spellings and word forms (`Krym` finds `Криму`). Computed in Python where rows
  are written (store/write.py; `keys_for_row` says from which columns); indexed with a low weight, so exact
  words rank first. English text only has keys for its capitalised words (names), so they stay small.

`lang` (evidence, sources): the language of the text, an ISO 639-1 code (uk, ru, en), given by the import or
detected from the script and function words (store/language.py); NULL when the text does not say.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 7
TOKENIZE = "porter unicode61 remove_diacritics 2"

# The columns a record writes, in the order of its `row()` (store/records.py); derived columns are left out.
SOURCE_COLUMNS = ("id", "title", "publisher", "authors", "url", "published", "kind", "accessed", "notes", "lang")
ACTOR_COLUMNS = ("id", "name", "kind", "country", "summary", "role")
REGION_COLUMNS = ("id", "name", "kind", "iso_code", "parent_id", "occupied_since")
EVIDENCE_COLUMNS = (
    "id",
    "claim",
    "quote",
    "category",
    "date",
    "quantity",
    "unit",
    "source_id",
    "locator",
    "status",
    "confidence",
    "lang",
)
RELATION_COLUMNS = ("subject_id", "object_id", "kind", "role", "evidence_id", "start", "end", "percentage")

# Full-text indexes: table -> indexed columns. `<table>_fts` has content="<table>" (Datasette detects it).
FTS_COLUMNS: dict[str, tuple[str, ...]] = {
    "evidence": ("claim", "quote", "linked_names", "keys", "stems"),
    "actors": ("name", "summary", "aka", "keys", "stems"),
    "regions": ("name", "aka", "places", "keys", "stems"),
    "sources": ("title", "keys", "stems"),
}
KEY_COLUMNS = ("keys", "stems")
# The words each index holds, for "did you mean" (store.search.spelling): FTS5's own vocabulary tables, which
# store nothing (they read the index).
VOCABULARY_TABLES = {"evidence": "evidence_vocab", "actors": "actors_vocab", "regions": "regions_vocab"}
VOCABULARY = [
    f"CREATE VIRTUAL TABLE {vocab} USING fts5vocab({table}_fts, col)" for table, vocab in VOCABULARY_TABLES.items()
]  # the derived matching keys at the end of each FTS_COLUMNS entry
# The columns whose text the keys are computed from (store.matchkey: text_keys for prose, name_keys for names).
KEYED_FROM: dict[str, tuple[str, ...]] = {
    "evidence": ("claim", "quote"),
    "sources": ("title",),
    "actors": ("name", "aka"),
    "regions": ("name", "aka", "places"),
}

# Added in schema version 2 (store/migrate.py creates them in older databases with the same statements).
GAZETTEER_TABLE = """CREATE TABLE gazetteer (
    name TEXT NOT NULL,
    region_id TEXT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    PRIMARY KEY (name, region_id)
);"""
GAZETTEER_INDEX = "CREATE INDEX gazetteer_region_id ON gazetteer(region_id);"


def _places_sql(region_id: str) -> str:
    return (
        "(SELECT group_concat(name, ' ; ') FROM (SELECT name FROM gazetteer "
        f"WHERE region_id = {region_id} ORDER BY name))"
    )


# Added in schema version 4: gazetteer -> regions.places (store/migrate.py creates them with these statements).
PLACES_TRIGGERS = [
    f"""CREATE TRIGGER gazetteer_places_ai AFTER INSERT ON gazetteer BEGIN
    UPDATE regions SET places = {_places_sql("NEW.region_id")} WHERE id = NEW.region_id;
END""",
    f"""CREATE TRIGGER gazetteer_places_ad AFTER DELETE ON gazetteer BEGIN
    UPDATE regions SET places = {_places_sql("OLD.region_id")} WHERE id = OLD.region_id;
END""",
    f"""CREATE TRIGGER gazetteer_places_au AFTER UPDATE ON gazetteer BEGIN
    UPDATE regions SET places = {_places_sql("OLD.region_id")} WHERE id = OLD.region_id;
    UPDATE regions SET places = {_places_sql("NEW.region_id")} WHERE id = NEW.region_id;
END""",
]

# Added in schema version 3 (store/migrate.py makes an older database match, statement for statement).
# Several relations may join one pair (an ownership history: 50% ended, 48%, 51% now): a relation imported from
# FollowTheMoney is keyed by its FtM id (external_ids, kind 'relation', ref_id the row id); the relations of
# the native format by (subject, object, kind), which store.write keeps unique among themselves.
RELATIONS_TABLE = """CREATE TABLE relations (
    id INTEGER PRIMARY KEY,
    subject_id TEXT NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    object_id TEXT NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    role TEXT,
    evidence_id TEXT REFERENCES evidence(id) ON DELETE SET NULL,
    start TEXT,
    "end" TEXT,
    percentage TEXT
);"""
RELATIONS_INDEXES = (
    "CREATE INDEX relations_subject_id ON relations(subject_id);",
    "CREATE INDEX relations_object_id ON relations(object_id);",
    "CREATE INDEX relations_evidence_id ON relations(evidence_id);",
)
# Provenance of an external id: `created` is 1 when the import that wrote the mapping created the record, 0 when
# the id was only linked to a record that came from elsewhere (a curated one, one it matched exactly, one a
# reviewer merged it into): imports never write through such a mapping. `import_id`: the import (file) that
# wrote the mapping last, so that a newer release of the same file can tell what it no longer holds.
EXTERNAL_IDS_COLUMNS = (
    "ALTER TABLE external_ids ADD COLUMN created INTEGER NOT NULL DEFAULT 1;",
    "ALTER TABLE external_ids ADD COLUMN import_id INTEGER REFERENCES imports(id) ON DELETE SET NULL;",
)
EXTERNAL_IDS_INDEX = "CREATE INDEX external_ids_import_id ON external_ids(import_id);"
# Proposed links an import found and did not apply ('same-as': an imported actor whose name, alias or
# identifier matches an existing one), kept for a person to accept or refuse in the review.
PROPOSALS_TABLE = """CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    left_kind TEXT NOT NULL,
    left_id TEXT NOT NULL,
    right_kind TEXT NOT NULL,
    right_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    import_id INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'open',
    created TEXT NOT NULL,
    decided TEXT,
    decided_by TEXT,
    UNIQUE (kind, left_kind, left_id, right_kind, right_id)
);"""
PROPOSALS_INDEXES = (
    "CREATE INDEX proposals_status ON proposals(status, kind);",
    "CREATE INDEX proposals_right ON proposals(right_kind, right_id);",
    "CREATE INDEX proposals_import_id ON proposals(import_id);",
)
# FollowTheMoney values a record has no column for, kept so that `findings export ftm` writes them back: a
# sanction's authority, program, dates and status, an actor's topics and every country, the datasets and
# first/last seen of the entity ('@dataset', '@first_seen', '@last_seen'), the schema it came from ('@schema').
# One row per record, `properties` a JSON object of property -> [values] (json_each and json_extract read it);
# a relation's row is keyed by its FtM id (external_ids maps that to the relation's row).
FTM_PROPERTIES_TABLE = """CREATE TABLE ftm_properties (
    kind TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    properties TEXT NOT NULL,
    PRIMARY KEY (kind, ref_id)
) WITHOUT ROWID;"""
V3_TABLES = "\n".join(
    [RELATIONS_TABLE, PROPOSALS_TABLE, FTM_PROPERTIES_TABLE, *RELATIONS_INDEXES, *PROPOSALS_INDEXES, EXTERNAL_IDS_INDEX]
)

# Added in schema version 5: the history, captured sources, sensitivity.
# `changes`: every change made to a record, by an import (import_id set) or by a reviewer, appended and never
# updated or deleted (the triggers refuse both). `before` and `after` are JSON values; `field` NULL is the record
# as a whole (`after` the fields it was created with, or NULL when it was deleted). The rows one review action
# writes share `action` (the id of its first row); an undo's rows name the action they revert in `undoes`.
CHANGES_TABLE = """CREATE TABLE changes (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field TEXT,
    before TEXT,
    after TEXT,
    note TEXT,
    import_id INTEGER REFERENCES imports(id),
    action INTEGER,
    undoes INTEGER
);"""
CHANGES_INDEXES = (
    "CREATE INDEX changes_record ON changes(kind, record_id, field);",
    "CREATE INDEX changes_who ON changes(who, import_id, action);",
    "CREATE INDEX changes_import_id ON changes(import_id);",
    "CREATE INDEX changes_undoes ON changes(undoes);",
)
CHANGES_TRIGGERS = (
    """CREATE TRIGGER changes_append_only_u BEFORE UPDATE ON changes BEGIN
    SELECT RAISE(ABORT, 'the history (table changes) is append-only: its rows are never updated');
END;""",
    """CREATE TRIGGER changes_append_only_d BEFORE DELETE ON changes BEGIN
    SELECT RAISE(ABORT, 'the history (table changes) is append-only: its rows are never deleted');
END;""",
)
# `captures`: each imported file as it was read (its SHA-256, size, when, from where, by whom); for an article
# also its text (and the text's own SHA-256, which `findings verify` checks the kept copy against). source_id
# names the source a file is (an article); NULL for a file of many records (YAML, CSV, FtM). `paragraphs`: where
# each paragraph the article's locators count (`para N`) lies in `text`, as JSON [[N, first line, last line], ...].
CAPTURES_TABLE = """CREATE TABLE captures (
    id INTEGER PRIMARY KEY,
    import_id INTEGER REFERENCES imports(id),
    source_id TEXT,
    origin TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    captured_at TEXT NOT NULL,
    collector TEXT NOT NULL,
    format TEXT NOT NULL,
    text TEXT,
    text_sha256 TEXT,
    paragraphs TEXT
);"""
CAPTURES_INDEXES = (
    "CREATE INDEX captures_source_id ON captures(source_id);",
    "CREATE INDEX captures_import_id ON captures(import_id);",
)
# (create() adds these with the same ALTER statements, so a new database and an upgraded one read the same.)
SENSITIVE_COLUMNS = (
    "ALTER TABLE sources ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0;",
    "ALTER TABLE evidence ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0;",
)
V5_TABLES = "\n".join([CHANGES_TABLE, *CHANGES_INDEXES, *CHANGES_TRIGGERS, CAPTURES_TABLE, *CAPTURES_INDEXES])

# Added in schema version 6. facet: 'findings' (value 'all'), 'category', 'year' (the date's first four characters)
# or 'country' (of a linked actor: a finding linked to two Chinese companies counts once for CN); since version 7
# also 'rows' (below). A value whose count fell to 0 keeps its row with n = 0; readers skip those.
FACET_COUNTS_TABLE = """CREATE TABLE facet_counts (
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (facet, value)
) WITHOUT ROWID;"""
# What facet_counts must hold, counted from the rows themselves: the migration fills the table with it, writers
# that bypass the triggers can recount with it; `findings check` counts the same (countries in Python: faster).
# Added in schema version 7: facet 'rows' (value: the table) holds how many actors and regions there are, so
# that the explorer's first screen reads one row for each count instead of a whole index (1.8 MB at 50,000
# actors).
ROW_COUNT_TABLES = ("actors", "regions")
ROW_RECOUNT = "\nUNION ALL ".join(f"SELECT 'rows', '{table}', count(*) FROM {table}" for table in ROW_COUNT_TABLES)
FACET_RECOUNT_NOT_COUNTRIES = f"""SELECT 'findings', 'all', count(*) FROM evidence
UNION ALL SELECT 'category', category, count(*) FROM evidence GROUP BY category
UNION ALL SELECT 'year', substr(date, 1, 4), count(*) FROM evidence WHERE date IS NOT NULL GROUP BY 2
UNION ALL {ROW_RECOUNT}"""
FACET_RECOUNT = f"""{FACET_RECOUNT_NOT_COUNTRIES}
UNION ALL SELECT 'country', country, count(*) FROM (
    SELECT DISTINCT l.evidence_id, a.country FROM evidence_actors l JOIN actors a ON a.id = l.actor_id
     WHERE a.country IS NOT NULL) GROUP BY country"""
FACET_COUNTS_FILL = (
    "DELETE FROM facet_counts",
    f"INSERT INTO facet_counts (facet, value, n) {FACET_RECOUNT}",
)

TABLES = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    publisher TEXT,
    authors TEXT,
    url TEXT,
    published TEXT,
    kind TEXT,
    accessed TEXT,
    notes TEXT,
    evidence_count INTEGER NOT NULL DEFAULT 0, lang TEXT, keys TEXT, stems TEXT
);
CREATE TABLE actors (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    country TEXT,
    summary TEXT,
    role TEXT,
    aka TEXT,
    evidence_count INTEGER NOT NULL DEFAULT 0, keys TEXT, stems TEXT
);
CREATE TABLE regions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT,
    iso_code TEXT,
    parent_id TEXT REFERENCES regions(id) ON DELETE SET NULL,
    occupied_since TEXT,
    aka TEXT,
    evidence_count INTEGER NOT NULL DEFAULT 0, places TEXT, keys TEXT, stems TEXT
);
CREATE TABLE aliases (
    kind TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    alias TEXT NOT NULL,
    PRIMARY KEY (kind, ref_id, alias)
);
CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    claim TEXT NOT NULL,
    quote TEXT,
    category TEXT NOT NULL,
    date TEXT,
    quantity NUMERIC,
    unit TEXT,
    source_id TEXT NOT NULL REFERENCES sources(id),
    locator TEXT,
    status TEXT NOT NULL DEFAULT 'unreviewed',
    confidence TEXT,
    linked_names TEXT, lang TEXT, keys TEXT, stems TEXT
);
CREATE TABLE evidence_actors (
    evidence_id TEXT NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
    actor_id TEXT NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    role TEXT,
    PRIMARY KEY (evidence_id, actor_id)
);
CREATE TABLE evidence_regions (
    evidence_id TEXT NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
    region_id TEXT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    PRIMARY KEY (evidence_id, region_id)
);
CREATE TABLE external_ids (
    system TEXT NOT NULL,
    external_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    created INTEGER NOT NULL DEFAULT 1,
    import_id INTEGER REFERENCES imports(id) ON DELETE SET NULL,
    PRIMARY KEY (system, external_id)
);
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    sha256 TEXT,
    format TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    counts TEXT
);
"""

INDEXES = """
CREATE INDEX regions_parent_id ON regions(parent_id);
CREATE INDEX aliases_alias ON aliases(alias COLLATE NOCASE);
CREATE INDEX evidence_source_id ON evidence(source_id);
CREATE INDEX evidence_date ON evidence(date);
CREATE INDEX evidence_category ON evidence(category, date);
CREATE INDEX evidence_status ON evidence(status, date);
CREATE INDEX evidence_actors_evidence_id ON evidence_actors(evidence_id);
CREATE INDEX evidence_actors_actor_id ON evidence_actors(actor_id);
CREATE INDEX evidence_regions_evidence_id ON evidence_regions(evidence_id);
CREATE INDEX evidence_regions_region_id ON evidence_regions(region_id);
CREATE INDEX external_ids_ref ON external_ids(kind, ref_id);
CREATE INDEX actors_name ON actors(name COLLATE NOCASE);
CREATE INDEX regions_name ON regions(name COLLATE NOCASE);
"""


def _linked_names_sql(evidence_id: str) -> str:
    """SQL expression: the names and aliases of what is linked to evidence `evidence_id` (an SQL expression)."""
    return f"""(SELECT group_concat(n, ' ; ') FROM (
        SELECT a.name || coalesce(' ; ' || a.aka, '') AS n
          FROM evidence_actors ea JOIN actors a ON a.id = ea.actor_id WHERE ea.evidence_id = {evidence_id}
        UNION ALL
        SELECT r.name || coalesce(' ; ' || r.aka, '')
          FROM evidence_regions er JOIN regions r ON r.id = er.region_id WHERE er.evidence_id = {evidence_id}))"""


def _aka_sql(kind: str, ref_id: str) -> str:
    return (
        "(SELECT group_concat(alias, ' ; ') FROM (SELECT alias FROM aliases "
        f"WHERE kind = '{kind}' AND ref_id = {ref_id} ORDER BY alias))"
    )


def _triggers() -> str:
    out = []
    # Aliases -> aka columns (which the FTS triggers then index).
    for event, row in (("INSERT", "NEW"), ("DELETE", "OLD")):
        out.append(f"""
CREATE TRIGGER aliases_{event[0].lower()}_aka AFTER {event} ON aliases BEGIN
    UPDATE actors SET aka = {_aka_sql("actor", f"{row}.ref_id")} WHERE {row}.kind = 'actor' AND id = {row}.ref_id;
    UPDATE regions SET aka = {_aka_sql("region", f"{row}.ref_id")} WHERE {row}.kind = 'region' AND id = {row}.ref_id;
END;""")
    out.append(f"""
CREATE TRIGGER aliases_u_aka AFTER UPDATE ON aliases BEGIN
    UPDATE actors SET aka = {_aka_sql("actor", "OLD.ref_id")} WHERE OLD.kind = 'actor' AND id = OLD.ref_id;
    UPDATE regions SET aka = {_aka_sql("region", "OLD.ref_id")} WHERE OLD.kind = 'region' AND id = OLD.ref_id;
    UPDATE actors SET aka = {_aka_sql("actor", "NEW.ref_id")} WHERE NEW.kind = 'actor' AND id = NEW.ref_id;
    UPDATE regions SET aka = {_aka_sql("region", "NEW.ref_id")} WHERE NEW.kind = 'region' AND id = NEW.ref_id;
END;""")
    # A renamed entity (or one whose aliases changed) renames itself in the findings linked to it.
    for table, link, col in (("actors", "evidence_actors", "actor_id"), ("regions", "evidence_regions", "region_id")):
        out.append(f"""
CREATE TRIGGER {table}_linked_names AFTER UPDATE OF name, aka ON {table}
WHEN OLD.name IS NOT NEW.name OR OLD.aka IS NOT NEW.aka BEGIN
    UPDATE evidence SET linked_names = {_linked_names_sql("evidence.id")}
     WHERE id IN (SELECT evidence_id FROM {link} WHERE {col} = NEW.id);
END;""")
        # Links -> counts and linked_names. When an importer writes links before their (new) finding, the
        # linked_names update finds no row and costs one index probe; the importer supplies the value itself.
        out.append(f"""
CREATE TRIGGER {link}_ai AFTER INSERT ON {link} BEGIN
    UPDATE {table} SET evidence_count = evidence_count + 1 WHERE id = NEW.{col};
    UPDATE evidence SET linked_names = {_linked_names_sql("NEW.evidence_id")} WHERE id = NEW.evidence_id;
END;
CREATE TRIGGER {link}_ad AFTER DELETE ON {link} BEGIN
    UPDATE {table} SET evidence_count = evidence_count - 1 WHERE id = OLD.{col};
    UPDATE evidence SET linked_names = {_linked_names_sql("OLD.evidence_id")} WHERE id = OLD.evidence_id;
END;
CREATE TRIGGER {link}_au AFTER UPDATE OF evidence_id, {col} ON {link} BEGIN
    UPDATE {table} SET evidence_count = evidence_count - 1 WHERE id = OLD.{col};
    UPDATE {table} SET evidence_count = evidence_count + 1 WHERE id = NEW.{col};
    UPDATE evidence SET linked_names = {_linked_names_sql("OLD.evidence_id")} WHERE id = OLD.evidence_id;
    UPDATE evidence SET linked_names = {_linked_names_sql("NEW.evidence_id")} WHERE id = NEW.evidence_id;
END;""")
    out.append("""
CREATE TRIGGER evidence_source_ai AFTER INSERT ON evidence BEGIN
    UPDATE sources SET evidence_count = evidence_count + 1 WHERE id = NEW.source_id;
END;
CREATE TRIGGER evidence_source_ad AFTER DELETE ON evidence BEGIN
    UPDATE sources SET evidence_count = evidence_count - 1 WHERE id = OLD.source_id;
END;
CREATE TRIGGER evidence_source_au AFTER UPDATE OF source_id ON evidence
WHEN OLD.source_id IS NOT NEW.source_id BEGIN
    UPDATE sources SET evidence_count = evidence_count - 1 WHERE id = OLD.source_id;
    UPDATE sources SET evidence_count = evidence_count + 1 WHERE id = NEW.source_id;
END;""")
    out += [f"{trigger};" for trigger in PLACES_TRIGGERS]
    return "\n".join(out)


def _bump(facet: str, value: str, delta: str, where: str = "") -> str:
    """An upsert adding `delta` to the count of `value` (both SQL expressions) when `where` holds."""
    return (
        f"INSERT INTO facet_counts (facet, value, n) SELECT '{facet}', {value}, {delta} WHERE {value} IS NOT NULL"
        f"{f' AND {where}' if where else ''} ON CONFLICT (facet, value) DO UPDATE SET n = n + excluded.n;"
    )


def _other_link_with_country(evidence_id: str, country: str, not_link: str) -> str:
    """SQL: finding `evidence_id` has a link, other than row `not_link` of evidence_actors, to an actor of
    `country` (SQL expressions)."""
    return (
        "EXISTS (SELECT 1 FROM evidence_actors o JOIN actors b ON b.id = o.actor_id "
        f"WHERE o.evidence_id = {evidence_id} AND o.rowid IS NOT {not_link} AND b.country = {country})"
    )


def _actor_country_counts(actor: str, country: str, sign: str) -> str:
    """Add `sign` 1 to `country` for each finding linked to `actor` and to no other actor of `country`."""
    lone = f"NOT {_other_link_with_country('l.evidence_id', country, 'l.rowid')}"
    return (
        f"INSERT INTO facet_counts (facet, value, n) SELECT 'country', {country}, {sign}count(*) "
        f"FROM evidence_actors l WHERE {country} IS NOT NULL AND l.actor_id = {actor} AND {lone} "
        "GROUP BY 1 ON CONFLICT (facet, value) DO UPDATE SET n = n + excluded.n;"
    )


def facet_triggers() -> str:
    """The triggers keeping facet_counts right, whoever writes (store.write suspends them for a bulk import).

    Countries are counted per finding: a link adds 1 to its actor's country only when the finding has no other
    link to an actor of that country, and removing one takes 1 away on the same terms. Deleting an actor
    cascades to its links after the actor row is gone, so its BEFORE DELETE trigger takes its findings away.
    """
    year_new, year_old = "substr(NEW.date, 1, 4)", "substr(OLD.date, 1, 4)"
    other = _other_link_with_country
    new_country = "(SELECT country FROM actors WHERE id = NEW.actor_id)"
    old_country = "(SELECT country FROM actors WHERE id = OLD.actor_id)"
    return f"""
CREATE TRIGGER evidence_facets_ai AFTER INSERT ON evidence BEGIN
    {_bump("findings", "'all'", "1")}
    {_bump("category", "NEW.category", "1")}
    {_bump("year", year_new, "1", "NEW.date IS NOT NULL")}
END;
CREATE TRIGGER evidence_facets_ad AFTER DELETE ON evidence BEGIN
    {_bump("findings", "'all'", "-1")}
    {_bump("category", "OLD.category", "-1")}
    {_bump("year", year_old, "-1", "OLD.date IS NOT NULL")}
END;
CREATE TRIGGER evidence_facets_au AFTER UPDATE OF category, date ON evidence
WHEN OLD.category IS NOT NEW.category OR OLD.date IS NOT NEW.date BEGIN
    {_bump("category", "OLD.category", "-1")}
    {_bump("category", "NEW.category", "1")}
    {_bump("year", year_old, "-1", "OLD.date IS NOT NULL")}
    {_bump("year", year_new, "1", "NEW.date IS NOT NULL")}
END;
CREATE TRIGGER evidence_actors_facets_ai AFTER INSERT ON evidence_actors BEGIN
    {_bump("country", new_country, "1", "NOT " + _other_link_with_country("NEW.evidence_id", new_country, "NEW.rowid"))}
END;
CREATE TRIGGER evidence_actors_facets_ad AFTER DELETE ON evidence_actors BEGIN
    {_bump("country", old_country, "-1", "NOT " + _other_link_with_country("OLD.evidence_id", old_country, "NULL"))}
END;
CREATE TRIGGER evidence_actors_facets_au AFTER UPDATE OF evidence_id, actor_id ON evidence_actors BEGIN
    {_bump("country", old_country, "-1", "NOT " + other("OLD.evidence_id", old_country, "NEW.rowid"))}
    {_bump("country", new_country, "1", "NOT " + other("NEW.evidence_id", new_country, "NEW.rowid"))}
END;
CREATE TRIGGER actors_facets_ai AFTER INSERT ON actors WHEN NEW.country IS NOT NULL BEGIN
    {_actor_country_counts("NEW.id", "NEW.country", "")}
END;
CREATE TRIGGER actors_facets_bd BEFORE DELETE ON actors WHEN OLD.country IS NOT NULL BEGIN
    {_actor_country_counts("OLD.id", "OLD.country", "-")}
END;
CREATE TRIGGER actors_facets_bu BEFORE UPDATE OF country ON actors WHEN OLD.country IS NOT NEW.country BEGIN
    {_actor_country_counts("OLD.id", "OLD.country", "-")}
END;
CREATE TRIGGER actors_facets_au AFTER UPDATE OF country ON actors WHEN OLD.country IS NOT NEW.country BEGIN
    {_actor_country_counts("NEW.id", "NEW.country", "")}
END;"""


def row_count_triggers() -> str:
    """The triggers keeping facet_counts' 'rows' (how many actors, how many regions) right, whoever writes."""
    return "\n".join(
        f"""
CREATE TRIGGER {table}_rows_ai AFTER INSERT ON {table} BEGIN
    {_bump("rows", f"'{table}'", "1")}
END;
CREATE TRIGGER {table}_rows_ad AFTER DELETE ON {table} BEGIN
    {_bump("rows", f"'{table}'", "-1")}
END;"""
        for table in ROW_COUNT_TABLES
    )


def fts_statements(table: str, columns: tuple[str, ...]) -> list[str]:
    """The full-text index of `table` as `create` makes it (sqlite-utils' enable_fts with its triggers, the
    update trigger narrowed), filled from the table: for upgrades, which cannot run sqlite-utils (it commits)."""
    fts = f"{table}_fts"
    quoted = ", ".join(f'"{c}"' for c in columns)
    new = ", ".join(f'new."{c}"' for c in columns)
    old = ", ".join(f'old."{c}"' for c in columns)
    return [
        f"CREATE VIRTUAL TABLE \"{fts}\" USING FTS5 (\n    {quoted},\n    tokenize='{TOKENIZE}',\n"
        f'    content="{table}"\n)',
        f'INSERT INTO "{fts}" (rowid, {quoted}) SELECT rowid, {quoted} FROM "{table}"',
        f'CREATE TRIGGER "{table}_ai" AFTER INSERT ON "{table}" BEGIN\n'
        f'  INSERT INTO "{fts}" (rowid, {quoted}) VALUES (new.rowid, {new});\nEND',
        f'CREATE TRIGGER "{table}_ad" AFTER DELETE ON "{table}" BEGIN\n'
        f'  INSERT INTO "{fts}" ("{fts}", rowid, {quoted}) VALUES(\'delete\', old.rowid, {old});\nEND',
        _fts_update_trigger(table, columns),
    ]


def drop_fts_statements(table: str) -> list[str]:
    return [f'DROP TRIGGER IF EXISTS "{table}_{t}"' for t in ("ai", "ad", "au")] + [f'DROP TABLE "{table}_fts"']


def _statements(script: str) -> list[str]:
    """Split a script of CREATE statements (trigger bodies contain ';', so split on complete statements)."""
    out: list[str] = []
    buf: list[str] = []
    for line in script.splitlines():
        if not line.strip() and not buf:
            continue
        buf.append(line)
        candidate = "\n".join(buf)
        if sqlite3.complete_statement(candidate):
            out.append(candidate.strip())
            buf = []
    if "".join(buf).strip():
        raise ValueError("incomplete statement in schema script")
    return out


def create(conn: sqlite3.Connection) -> None:
    """Create every table, index, trigger and FTS index in a new, empty database, and record the version.

    FTS goes through sqlite-utils' `enable_fts(..., create_triggers=True)`, so the `<table>_fts` tables are
    exactly what sqlite-utils and Datasette expect. Its update trigger is then narrowed to fire only when an
    indexed column changes, so bumping `evidence_count` does not re-index a row. The caller removes the file
    if this fails half-way (it is only used on a database being created).
    """
    import sqlite_utils  # only needed when a database is created; keeps CLI lookups light

    _run_in_transaction(
        conn,
        [
            *_statements(
                "\n".join([TABLES, GAZETTEER_TABLE, V3_TABLES, V5_TABLES, FACET_COUNTS_TABLE, INDEXES, GAZETTEER_INDEX])
            ),
            *SENSITIVE_COLUMNS,
        ],
    )
    db = sqlite_utils.Database(conn)
    for table, columns in FTS_COLUMNS.items():
        db.table(table).enable_fts(list(columns), fts_version="FTS5", create_triggers=True, tokenize=TOKENIZE)
    narrowed = []
    for table, columns in FTS_COLUMNS.items():
        narrowed += [f"DROP TRIGGER [{table}_au]", _fts_update_trigger(table, columns)]
    version = f"INSERT INTO meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}')"
    _run_in_transaction(
        conn,
        [
            *narrowed,
            *_statements(_triggers()),
            *_statements(facet_triggers()),
            *_statements(row_count_triggers()),
            *VOCABULARY,
            version,
        ],
    )


def _run_in_transaction(conn: sqlite3.Connection, statements: list[str]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in statements:
            conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back itself (a full disk)
            conn.execute("ROLLBACK")
        raise


def _fts_update_trigger(table: str, columns: tuple[str, ...]) -> str:
    cols = ", ".join(f"[{c}]" for c in columns)
    old = ", ".join(f"old.[{c}]" for c in columns)
    new = ", ".join(f"new.[{c}]" for c in columns)
    fts = f"[{table}_fts]"
    return (
        f"CREATE TRIGGER [{table}_au] AFTER UPDATE OF {', '.join(columns)} ON [{table}] BEGIN\n"
        f"  INSERT INTO {fts} ({fts}, rowid, {cols}) VALUES('delete', old.rowid, {old});\n"
        f"  INSERT INTO {fts} (rowid, {cols}) VALUES (new.rowid, {new});\nEND"
    )


def statements(script: str) -> list[str]:
    """The complete statements of a script of CREATE statements (for migrations made of the same text)."""
    return _statements(script)
