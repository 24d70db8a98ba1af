"""Rules the data keeps that SQL constraints do not state, shared by imports (which refuse or flag) and
`findings check` (which reports):

- ids and names are compared in Unicode NFC: `Café` typed with a combining accent (NFD, as macOS file names and
  some editors write it) is the same name as `Café` with a precomposed é. So imports store ids, the references
  to them, names, aliases, titles, publishers and place names in NFC, and lookups put what is typed in NFC
  (store.query.nfc): the exact comparisons of store.search then compare NFC with NFC. NFC is Unicode's
  canonical equivalence — the same text, so what a person reads is the same (a CJK compatibility ideograph
  becomes its unified ideograph, as Unicode defines them equal). Claims, quotes, units, locators, summaries,
  authors and notes are stored in NFC too: what is searched is the words, and a claim pasted in NFD
  (`ї` as `і` and a combining diaeresis) could not be found by the word typed (its captured file keeps the bytes
  as they came). `findings check` lists the ids and names another program stored in another form.
- a region is never its own ancestor (parent_id forms no cycle).
- names and ids holding characters the text table makes visible (zero-width, bidi, tag characters: `Hua\\u200bwei`
  looks like Huawei) are flagged; they are kept as they are, and shown as their codes everywhere.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter, itemgetter

from store.errors import DataError
from store.query import nfc
from store.records import Batch, Evidence, Region

EXAMPLES = 5


def _nfc_opt(text: str | None) -> str | None:
    return None if text is None else nfc(text)


def _plain(texts: Iterable[str | None]) -> bool:
    """Whether every text is printable ASCII (NFC already, and nothing hidden): one pass in C over them all."""
    joined = "".join(t for t in texts if t is not None) if not isinstance(texts, list) else "".join(texts)
    return joined.isascii() and joined.isprintable()


def _evidence_texts(evidence: list[Evidence]) -> Iterator[str]:
    return chain(
        map(_ID, evidence),
        map(_SOURCE, evidence),
        map(_FIRST, chain.from_iterable(map(_ACTORS, evidence))),
        chain.from_iterable(map(_REGIONS, evidence)),
    )


def _evidence_prose(evidence: list[Evidence]) -> Iterator[str]:
    return chain(map(_CLAIM, evidence), filter(None, chain.from_iterable(map(_PROSE, evidence))))


_CLAIM, _PROSE = attrgetter("claim"), attrgetter("quote", "unit", "locator")
_ID, _SOURCE, _ACTORS, _REGIONS, _FIRST = (
    attrgetter("id"),
    attrgetter("source_id"),
    attrgetter("actors"),
    attrgetter("regions"),
    itemgetter(0),
)


def normalise(batch: Batch) -> None:
    """Ids, references, names, aliases, titles, publishers and place names of `batch` in NFC, in place. (A batch
    of a hundred thousand ASCII findings is looked at in one pass, without a call per record.)"""
    for s in batch.sources:
        s.id, s.title, s.publisher = nfc(s.id), nfc(s.title), _nfc_opt(s.publisher)
        s.authors, s.notes = _nfc_opt(s.authors), _nfc_opt(s.notes)
    for a in batch.actors:
        a.id, a.name = nfc(a.id), nfc(a.name)
        a.summary, a.role = _nfc_opt(a.summary), _nfc_opt(a.role)
        if a.aliases is not None:
            a.aliases = _unique(nfc(x) for x in a.aliases)
    for r in batch.regions:
        r.id, r.name, r.parent_id = nfc(r.id), nfc(r.name), _nfc_opt(r.parent_id)
        if r.aliases is not None:
            r.aliases = _unique(nfc(x) for x in r.aliases)
    if not "".join(_evidence_texts(batch.evidence)).isascii():
        for e in batch.evidence:
            e.id, e.source_id = nfc(e.id), nfc(e.source_id)
            e.actors = [(nfc(a), role) for a, role in e.actors]
            e.regions = _unique(nfc(r) for r in e.regions)
    if not "".join(_evidence_prose(batch.evidence)).isascii():
        for e in batch.evidence:
            e.claim, e.quote, e.unit, e.locator = nfc(e.claim), _nfc_opt(e.quote), _nfc_opt(e.unit), _nfc_opt(e.locator)
    for rel in batch.relations:
        rel.subject_id, rel.object_id = nfc(rel.subject_id), nfc(rel.object_id)
        rel.evidence_id = _nfc_opt(rel.evidence_id)
    for x in batch.external_ids:
        x.external_id, x.ref_id = nfc(x.external_id), nfc(x.ref_id)
    for g in batch.gazetteer:
        g.name, g.regions = nfc(g.name), _unique(nfc(r) for r in g.regions)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))  # (two spellings of one alias become one)


# ------------------------------------------------------------------------------------------ hidden characters


@dataclass(frozen=True)
class Hidden:
    kind: str  # actor, region, source, evidence, place
    id: str
    field: str
    characters: tuple[str, ...]  # "U+200B", in order of first appearance

    def __str__(self) -> str:
        from store.text import printable

        return f"{self.kind} {printable(self.id)} ({self.field}: {', '.join(self.characters)})"


def _hidden(text: str | None) -> tuple[str, ...]:
    if not text or (text.isascii() and text.isprintable()):
        return ()
    from store.text import hidden_characters

    return tuple(hidden_characters(text))


def hidden_in_batch(batch: Batch) -> Iterator[Hidden]:
    """Names and ids of `batch` that hold characters the text table makes visible."""
    named: list[tuple[str, object, tuple[tuple[str, str | None], ...]]] = []
    named += [("source", s, (("id", s.id), ("title", s.title))) for s in batch.sources]
    for kind, records in (("actor", batch.actors), ("region", batch.regions)):
        for r in records:
            own: list[tuple[str, str | None]] = [("id", r.id), ("name", r.name)]
            own += [("alias", a) for a in (r.aliases or ())]
            named.append((kind, r, tuple(own)))
    if not _plain(list(map(_ID, batch.evidence))):
        named += [("evidence", e, (("id", e.id),)) for e in batch.evidence]
    named += [("place", g, (("name", g.name),)) for g in batch.gazetteer]
    for kind, rec, fields in named:
        for field_name, text in fields:
            if found := _hidden(text):
                yield Hidden(kind, str(getattr(rec, "id", None) or getattr(rec, "name", "")), field_name, found)


def _unusual(column: str) -> str:
    """SQL: whether `column` holds a character outside printable ASCII (NUL too, where GLOB stops). The checks
    below look only at those values in Python: a million plain ASCII ids are passed over in C."""
    return f"({column} GLOB '*[^ -~]*' OR instr({column}, char(0)) > 0)"


def hidden_in_database(conn: sqlite3.Connection) -> list[Hidden]:
    """Names and ids in the database that hold characters the text table makes visible (for `findings check`)."""
    out: list[Hidden] = []
    queries = (
        ("actor", "actors", (("id", "id"), ("name", "name"))),
        ("region", "regions", (("id", "id"), ("name", "name"))),
        ("source", "sources", (("id", "id"), ("title", "title"))),
        ("evidence", "evidence", (("id", "id"),)),
    )
    for kind, table, fields in queries:
        sql = " UNION ALL ".join(
            f"SELECT id, '{label}', {column} FROM {table} WHERE {_unusual(column)}" for label, column in fields
        )
        out += _hidden_rows(kind, conn.execute(sql))
    aliases = conn.execute(f"SELECT ref_id, 'alias of ' || kind, alias FROM aliases WHERE {_unusual('alias')}")
    return out + _hidden_rows("alias", aliases)


def _hidden_rows(kind: str, rows: Iterable[tuple[object, object, object]]) -> list[Hidden]:
    return [
        Hidden(kind, str(id_), str(field_name), found)
        for id_, field_name, text in rows
        if isinstance(text, str) and (found := _hidden(text))
    ]


def not_nfc_in_database(conn: sqlite3.Connection) -> list[str]:
    """Ids, names and aliases stored in another normal form than NFC (another program wrote them): `actor id
    'café'`. What people type is compared in NFC, so these are found only through the folded comparison of names
    (store.search.names), when nothing matches exactly."""
    out = []
    for kind, table, label in (
        ("actor", "actors", "name"),
        ("region", "regions", "name"),
        ("source", "sources", "title"),
    ):
        odd = f"SELECT id, {label} FROM {table} WHERE {_unusual('id')} OR {_unusual(label)} ORDER BY rowid"
        for id_, name in conn.execute(odd):
            for what, text in (("id", id_), (label, name)):
                if isinstance(text, str) and not _is_nfc(text):
                    out.append(f"{kind} {what} {text!r}" + (f" ({id_})" if what != "id" else ""))
    for (id_,) in conn.execute(f"SELECT id FROM evidence WHERE {_unusual('id')} ORDER BY rowid"):
        if isinstance(id_, str) and not _is_nfc(id_):
            out.append(f"evidence id {id_!r}")
    for kind, id_, alias in conn.execute(
        f"SELECT kind, ref_id, alias FROM aliases WHERE {_unusual('alias')} ORDER BY rowid"
    ):
        if isinstance(alias, str) and not _is_nfc(alias):
            out.append(f"alias {alias!r} of {kind} {id_}")
    return out


def _is_nfc(text: str) -> bool:
    return text.isascii() or unicodedata.is_normalized("NFC", text)


# --------------------------------------------------------------------------------------------- region cycles


def _cycle(start: str, parent_of: dict[str, str | None]) -> list[str] | None:
    """The cycle `start` leads into by parent links, or None."""
    seen: dict[str, int] = {}
    path: list[str] = []
    node: str | None = start
    while node is not None and node in parent_of:
        if node in seen:
            return path[seen[node] :]
        seen[node] = len(path)
        path.append(node)
        node = parent_of[node]
    return None


def region_cycles(conn: sqlite3.Connection) -> list[list[str]]:
    """Every cycle of region parents in the database, each once (starting at its smallest id)."""
    parent_of = {
        str(i): (str(p) if p is not None else None) for i, p in conn.execute("SELECT id, parent_id FROM regions")
    }
    cycles: dict[tuple[str, ...], list[str]] = {}
    done: set[str] = set()
    for start in parent_of:
        if start in done:
            continue
        found = _cycle(start, parent_of)
        node: str | None = start
        while node is not None and node in parent_of and node not in done:  # (every region on the way is settled)
            done.add(node)
            node = parent_of[node]
        if found:
            first = found.index(min(found))
            ring = found[first:] + found[:first]
            cycles[tuple(ring)] = ring
    return list(cycles.values())


def check_region_parents(conn: sqlite3.Connection, regions: list[Region]) -> None:
    """Refuse regions whose parent links, with those already in the database, would make a region its own
    ancestor (a DataError naming the region, its file and line)."""
    changed = [r for r in regions if r.parent_id is not None]
    if not changed:
        return
    parent_of: dict[str, str | None] = {}
    frontier = sorted({x for r in changed for x in (r.id, r.parent_id) if x is not None})
    asked: set[str] = set()
    while frontier:  # the stored ancestors of everything involved
        chunk, frontier = frontier[:500], frontier[500:]
        asked.update(chunk)
        marks = ",".join("?" * len(chunk))
        for id_, parent in conn.execute(f"SELECT id, parent_id FROM regions WHERE id IN ({marks})", chunk):
            parent_of[str(id_)] = None if parent is None else str(parent)
            if parent is not None and str(parent) not in asked and str(parent) not in frontier:
                frontier.append(str(parent))
    for r in regions:
        parent_of[r.id] = r.parent_id
    for r in changed:
        ring = _cycle(r.id, parent_of)
        if ring and r.id in ring:
            origin = r.origin
            shown = " -> ".join([*ring, ring[0]])
            raise DataError(
                f"region {r.id!r} would be its own ancestor ({shown}); a region's parent must be a larger region",
                file=origin.file if origin else None,
                line=origin.line_of("parent") if origin else None,
                record=origin.record if origin else None,
                field="parent",
            )
