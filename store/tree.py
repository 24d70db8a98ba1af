"""The database as a tree of native YAML files (`findings export dataset DIR`), the form a team shares in git.

Layout (every file a native document that `findings build` and `findings import yaml` read):

    .findings-tree                      marks the directory as a tree this code writes (and may rewrite)
    sources/<id>.yaml                   one source per file
    actors/<id>.yaml                    one actor per file, with its aliases
    regions/<id>.yaml                   one region per file, with its aliases
    evidence/<source>/<id>.yaml         one finding per file, in the folder of its source
    relations/<subject>--<kind>--<object>.yaml
    gazetteer/<region>.yaml             the place names of one region (by the first region a name maps to)
    history/<kind>/<record>/<at>--<who>--<digest>.yaml   one recorded action per file (store/tree_history.py)
    sensitive.yaml                      which of the records are sensitive (only with --include-sensitive)

Why one record per file: two people adding findings to the same source add different files, which git merges
without asking; two people changing the same finding change the same file, which git reports as a conflict
(`.gitattributes` of a data repository marks these files `-merge`, so git never merges inside one). Ids are
lowercase slugs without `--` or dots, so file names are safe on every file system and unambiguous.

Deterministic: the same records give the same bytes (store/tree_yaml.py writes what PyYAML's pure-Python
emitter writes; keys in the order of the native format, lists in the order the records were written: links,
aliases and place names keep the order of the file they came from, as SQLite keeps their rows). Sensitive
findings and sources (and the findings of a sensitive source) are left out unless asked for; `--only QUERY`
writes the findings a query matches with the sources, actors, regions and relations they need.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from store.errors import StoreError
from store.schema import ACTOR_COLUMNS, EVIDENCE_COLUMNS, REGION_COLUMNS, RELATION_COLUMNS, SOURCE_COLUMNS
from store.tree_history import local_relations
from store.tree_yaml import Flow, dump

if TYPE_CHECKING:
    from collections.abc import Callable

MARKER = ".findings-tree"
MARKER_TEXT = "findings dataset tree, format 1: one record per file; written by `findings export dataset`\n"
MANAGED = ("sources", "actors", "regions", "evidence", "relations", "gazetteer", "history")
SENSITIVE_FILE = "sensitive.yaml"


@dataclass
class TreeSelection:
    """Which records go into a tree: all (no ids), or these findings and what they need."""

    evidence_ids: set[str] | None = None
    include_sensitive: bool = False


@dataclass
class TreeCounts:
    written: int = 0  # files whose bytes changed (or were new)
    unchanged: int = 0
    removed: int = 0
    records: dict[str, int] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)  # sensitive records not written, by table


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")}


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _drop_none(pairs: Iterable[tuple[str, object]]) -> dict[str, object]:
    return {k: v for k, v in pairs if v is not None and v != ""}


def _sensitive_ids(conn: sqlite3.Connection, table: str) -> set[str]:
    if "sensitive" not in _columns(conn, table):
        return set()
    return {r[0] for r in conn.execute(f"SELECT id FROM [{table}] WHERE sensitive")}


def tree_documents(conn: sqlite3.Connection, selection: TreeSelection | None = None) -> Iterator[tuple[str, object]]:
    """(relative path, native document) for every file of the tree, in path order within each section."""
    sel = selection or TreeSelection()
    secret_sources = set() if sel.include_sensitive else _sensitive_ids(conn, "sources")
    secret_evidence = set() if sel.include_sensitive else _sensitive_ids(conn, "evidence")
    evidence_ids = [
        r[0]
        for r in conn.execute("SELECT id, source_id FROM evidence ORDER BY source_id, id")
        if r[0] not in secret_evidence
        and r[1] not in secret_sources
        and (sel.evidence_ids is None or r[0] in sel.evidence_ids)
    ]
    wanted = set(evidence_ids)
    full = sel.evidence_ids is None

    ev_rows = {r[0]: r for r in conn.execute(f"SELECT {_sql(EVIDENCE_COLUMNS)} FROM evidence")}
    actor_links: dict[str, list[tuple[str, str | None]]] = {}
    for eid, aid, role in conn.execute("SELECT evidence_id, actor_id, role FROM evidence_actors ORDER BY rowid"):
        actor_links.setdefault(eid, []).append((aid, role))
    region_links: dict[str, list[str]] = {}
    for eid, rid in conn.execute("SELECT evidence_id, region_id FROM evidence_regions ORDER BY rowid"):
        region_links.setdefault(eid, []).append(rid)

    # What the chosen findings need: their sources, actors and regions (and the regions' parents).
    need_sources = {ev_rows[e][7] for e in wanted}
    need_actors = {a for e in wanted for a, _ in actor_links.get(e, [])}
    need_regions = {r for e in wanted for r in region_links.get(e, [])}
    parents = dict(conn.execute("SELECT id, parent_id FROM regions"))
    for rid in list(need_regions):
        seen = set()
        while (parent := parents.get(rid)) and parent not in seen:
            seen.add(parent)
            need_regions.add(parent)
            rid = parent

    relation_rows = list(conn.execute(f"SELECT id, {_sql(_NATIVE_RELATION_COLUMNS)} FROM relations ORDER BY id"))
    ftm_relations = local_relations(conn)
    relations = []
    for row in relation_rows:
        rel_id, subject, obj, _kind, _role, evidence = row[:6]
        if str(rel_id) in ftm_relations:
            continue  # several FtM relations may join one pair: they travel in their FtM file, not the tree
        if evidence is not None and evidence not in wanted:
            continue  # it cites a finding the tree leaves out (sensitive, or outside --only)
        if not full and evidence is None and not ({subject, obj} <= need_actors):
            continue
        relations.append(row)
        need_actors |= {subject, obj}

    aliases: dict[tuple[str, str], list[str]] = {}
    for kind, ref, alias in conn.execute("SELECT kind, ref_id, alias FROM aliases ORDER BY rowid"):
        aliases.setdefault((kind, ref), []).append(alias)

    for row in conn.execute(f"SELECT {_sql(SOURCE_COLUMNS)} FROM sources ORDER BY id"):
        if row[0] in secret_sources or (not full and row[0] not in need_sources):
            continue
        yield f"sources/{row[0]}.yaml", {"sources": [_drop_none(zip(_fields(SOURCE_COLUMNS), row, strict=True))]}
    for table, kind, columns, needed in (
        ("actors", "actor", ACTOR_COLUMNS, need_actors),
        ("regions", "region", REGION_COLUMNS, need_regions),
    ):
        for row in conn.execute(f"SELECT {_sql(columns)} FROM {table} ORDER BY id"):
            if not full and row[0] not in needed:
                continue
            rec = _drop_none(zip(_fields(columns), row, strict=True))
            if names := aliases.get((kind, row[0])):
                rec["aliases"] = names
            yield f"{table}/{row[0]}.yaml", {table: [rec]}
    for eid in evidence_ids:
        row = ev_rows[eid]
        rec = _drop_none(zip(_fields(EVIDENCE_COLUMNS), row, strict=True))
        links = actor_links.get(eid, [])
        if links:
            rec["actors"] = [aid if role is None else {"id": aid, "role": role} for aid, role in links]
        if eid in region_links:
            rec["regions"] = region_links[eid]
        yield f"evidence/{row[7]}/{eid}.yaml", {"evidence": [rec]}
    for row in sorted(relations, key=lambda r: (r[1], r[3], r[2])):
        rec = _drop_none(zip(_fields(_NATIVE_RELATION_COLUMNS), row[1:], strict=True))
        yield f"relations/{row[1]}--{row[3]}--{row[2]}.yaml", {"relations": [rec]}
    if full and "gazetteer" in _tables(conn):
        yield from _gazetteer_documents(conn)
    if sel.include_sensitive:
        secret = {
            "evidence": sorted(_sensitive_ids(conn, "evidence") & wanted),
            "sources": sorted(_sensitive_ids(conn, "sources") & (need_sources if not full else _all(conn, "sources"))),
        }
        if any(secret.values()):
            yield SENSITIVE_FILE, {k: v for k, v in secret.items() if v}


def _all(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[0] for r in conn.execute(f"SELECT id FROM [{table}]")}


def read_sensitive(tree: Path) -> list[tuple[str, str]]:
    """(table, id) of each record a tree marks sensitive."""
    from importers import loaders

    path = tree / SENSITIVE_FILE
    if not path.is_file():
        return []
    name = loaders.display_path(path)
    doc = loaders.load_yaml(path.read_text(encoding="utf-8"), name)
    out = []
    for table in ("evidence", "sources"):
        ids = doc.get(table) if isinstance(doc, dict) else None
        for ident in ids or []:
            out.append((table, str(ident)))
    return out


def mark_sensitive(conn: sqlite3.Connection, marks: list[tuple[str, str]]) -> None:
    """Mark records sensitive, in the caller's (build's) transaction."""
    for table in ("evidence", "sources"):
        ids = [i for t, i in marks if t == table]
        if ids and "sensitive" in _columns(conn, table):
            conn.executemany(f"UPDATE [{table}] SET sensitive = 1 WHERE id = ?", [(i,) for i in ids])


def _gazetteer_documents(conn: sqlite3.Connection) -> Iterator[tuple[str, object]]:
    by_name: dict[str, list[str]] = {}
    for name, region in conn.execute("SELECT name, region_id FROM gazetteer ORDER BY rowid"):
        by_name.setdefault(name, []).append(region)
    files: dict[str, list[dict[str, object]]] = {}
    for name in sorted(by_name, key=lambda n: (n.casefold(), n)):
        regions = by_name[name]
        files.setdefault(regions[0], []).append({"name": name, "regions": Flow(regions)})
    for region in sorted(files):
        yield f"gazetteer/{region}.yaml", {"gazetteer": files[region]}


# The columns a record writes (store/schema.py), and the native field each is read from (importers/validate.py).
_FIELD_OF = {
    "parent_id": "parent",
    "source_id": "source",
    "subject_id": "subject",
    "object_id": "object",
    "evidence_id": "evidence",
}
_NATIVE_RELATION_COLUMNS = tuple(c for c in RELATION_COLUMNS if c != "percentage")  # FtM's: not in the tree


def _sql(columns: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _fields(columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_FIELD_OF.get(c, c) for c in columns)


def check_target(directory: Path) -> None:
    """Refuse to write into a directory that holds anything but a tree (or nothing): export rewrites and removes
    the files of a tree, and must never remove what it did not write."""
    if not directory.exists():
        return
    if not directory.is_dir():
        raise StoreError(f"{directory} is not a directory")
    if (directory / MARKER).is_file():
        return
    clutter = [p.name for p in directory.iterdir() if p.name not in (".git", ".gitattributes", ".gitignore")]
    if clutter:
        raise StoreError(
            f"{directory} is not empty and holds no {MARKER}: export dataset writes into an empty directory or "
            f"a tree it wrote before (found {', '.join(sorted(clutter)[:3])})"
        )


def write_tree(
    conn: sqlite3.Connection,
    directory: Path,
    selection: TreeSelection | None = None,
    *,
    documents: Iterable[tuple[str, object]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> TreeCounts:
    """Make `directory` hold exactly the tree of `conn` (files written only where their bytes change; managed
    files that no longer belong removed). Other files (README, .git) are left alone."""
    check_target(directory)
    sel = selection or TreeSelection()
    counts = TreeCounts()
    directory.mkdir(parents=True, exist_ok=True)
    keep: set[str] = {MARKER}
    _put(directory / MARKER, MARKER_TEXT.encode(), counts)
    for n, (rel, doc) in enumerate(tree_documents(conn, sel) if documents is None else documents):
        keep.add(rel)
        section = rel.split("/", 1)[0]
        counts.records[section] = counts.records.get(section, 0) + 1
        _put(directory / rel, dump(doc).encode("utf-8"), counts)
        if progress and n % 500 == 0:
            progress(n)
    for section in MANAGED:
        base = directory / section
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.yaml")):
            if path.relative_to(directory).as_posix() not in keep:
                path.unlink()
                counts.removed += 1
        for sub in sorted((p for p in base.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            with contextlib.suppress(OSError):
                sub.rmdir()  # only if empty
        with contextlib.suppress(OSError):
            base.rmdir()
    if SENSITIVE_FILE not in keep and (directory / SENSITIVE_FILE).is_file():
        (directory / SENSITIVE_FILE).unlink()
        counts.removed += 1
    counts.left_out = left_out(conn, sel)
    return counts


def left_out(conn: sqlite3.Connection, sel: TreeSelection) -> dict[str, int]:
    """How many sensitive records a tree of `sel` leaves out, by table."""
    if sel.include_sensitive:
        return {}
    out = {}
    for table in ("evidence", "sources"):
        if "sensitive" in _columns(conn, table):
            n = conn.execute(f"SELECT count(*) FROM [{table}] WHERE sensitive").fetchone()[0]
            if n:
                out[table] = n
    return out


def _put(path: Path, data: bytes, counts: TreeCounts) -> None:
    try:
        if path.read_bytes() == data:
            counts.unchanged += 1
            return
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    counts.written += 1


def tree_files(directory: Path) -> list[Path]:
    """The native files `findings build` reads from `directory`: every *.yaml below it (a flat folder of native
    files, or a tree), history apart, in path order."""
    return sorted(
        (
            p
            for p in directory.rglob("*.yaml")
            if not _hidden(p, directory) and not _is_history(p, directory) and p != directory / SENSITIVE_FILE
        ),
        key=lambda p: p.relative_to(directory).as_posix(),
    )


def _hidden(path: Path, base: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(base).parts)


def _is_history(path: Path, base: Path) -> bool:
    return path.relative_to(base).parts[0] == "history"


def tree_digest(directory: Path, files: list[Path]) -> str:
    """One sha256 for a whole tree: of each file's relative path and sha256, in path order."""
    h = hashlib.sha256()
    for path in files:
        h.update(path.relative_to(directory).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).hexdigest().encode() + b"\n")
    return h.hexdigest()


def tree_and_history(
    conn: sqlite3.Connection, selection: TreeSelection | None = None, *, query: str | None = None
) -> tuple[TreeSelection, list[tuple[str, object]]]:
    """The documents of a tree: the records (all, or the findings `query` matches and what they need) and
    their history."""
    from store.tree_history import history_documents

    sel = selection or TreeSelection()
    if query and query.strip():
        from store.search import EvidenceFilter, iter_evidence_ids

        ids: set[str] = set()
        for batch in iter_evidence_ids(conn, EvidenceFilter(query=query.strip()), batch=1000):
            ids.update(batch)
        sel = TreeSelection(evidence_ids=ids, include_sensitive=sel.include_sensitive)
    docs = list(tree_documents(conn, sel))
    records = None
    if sel.evidence_ids is not None or not sel.include_sensitive:
        kinds = {
            "sources": "source",
            "actors": "actor",
            "regions": "region",
            "evidence": "evidence",
            "relations": "relation",
        }
        records = {
            (kinds[p.split("/")[0]], p.rsplit("/", 1)[1][: -len(".yaml")]) for p, _ in docs if p.split("/")[0] in kinds
        }
    return sel, [*docs, *history_documents(conn, records)]


def export_tree(
    conn: sqlite3.Connection, directory: Path, selection: TreeSelection | None = None, *, query: str | None = None
) -> TreeCounts:
    """`findings export dataset`: the tree of `conn` (or of the findings `query` matches) written to
    `directory`."""
    sel, docs = tree_and_history(conn, selection, query=query)
    return write_tree(conn, directory, sel, documents=docs)


def export_split(conn: sqlite3.Connection, shared: Path, private: Path) -> tuple[TreeCounts, TreeCounts]:
    """The whole database as two trees with no file in common: `shared` without the sensitive records, and
    `private` with them (and their history), which together build the database again."""
    _, everything = tree_and_history(conn, TreeSelection(include_sensitive=True))
    sel, shared_docs = tree_and_history(conn, TreeSelection())
    in_shared = {path for path, _ in shared_docs}
    private_docs = [(path, doc) for path, doc in everything if path not in in_shared]
    return (
        write_tree(conn, shared, sel, documents=shared_docs),
        write_tree(conn, private, TreeSelection(include_sensitive=True), documents=private_docs),
    )
