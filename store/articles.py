"""Reads and the one delete that `findings import article` needs: which source an article already is, the
findings made from its paragraphs, and display names for the entities it was tagged with."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from store.write import CHUNK

URL_SYSTEM = "article-url"
HASH_SYSTEM = "article-sha256"


def known_source(conn: sqlite3.Connection, *, url: str | None, text_sha256: str) -> str | None:
    """The source an earlier `import article` made for this URL or this text, if it still exists."""
    for system, key in ((URL_SYSTEM, url), (HASH_SYSTEM, text_sha256)):
        if key is None:
            continue
        row = conn.execute(
            "SELECT s.id FROM external_ids x JOIN sources s ON s.id = x.ref_id "
            "WHERE x.system = ? AND x.external_id = ? AND x.kind = 'source'",
            (system, key),
        ).fetchone()
        if row:
            return row[0]
    return None


def source_fields(conn: sqlite3.Connection, source_id: str) -> dict[str, str | None] | None:
    row = conn.execute(
        "SELECT title, publisher, authors, url, published, kind, accessed, notes FROM sources WHERE id = ?",
        (source_id,),
    ).fetchone()
    if row is None:
        return None
    keys = ("title", "publisher", "authors", "url", "published", "kind", "accessed", "notes")
    return dict(zip(keys, row, strict=True))


def paragraph_findings(conn: sqlite3.Connection, source_id: str, prefix: str) -> dict[str, str]:
    """id -> status of the findings of `source_id` whose id starts with `prefix` (those made from paragraphs)."""
    rows = conn.execute("SELECT id, status FROM evidence WHERE source_id = ?", (source_id,))
    return {id_: status for id_, status in rows if id_.startswith(prefix)}


def delete_findings(conn: sqlite3.Connection, ids: Iterable[str], *, who: str, import_id: int | None) -> int:
    """Delete findings (their links go with them; relations keep their row without the evidence); the history
    records each deletion, with the values the finding had."""
    from store.history import append
    from store.write import stored_fields

    wanted = sorted(set(ids))
    before = stored_fields(conn, "evidence", wanted)
    append(
        conn,
        [("evidence", id_, None, before[id_], None) for id_ in wanted if id_ in before],
        who=who,
        import_id=import_id,
        action=False,
    )
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i : i + CHUNK]
        conn.execute(f"DELETE FROM evidence WHERE id IN ({','.join('?' * len(chunk))})", chunk)
    return len(wanted)


def display_names(conn: sqlite3.Connection, targets: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    targets = list(targets)
    out: dict[tuple[str, str], str] = {}
    for kind, table in (("actor", "actors"), ("region", "regions")):
        ids = sorted({ref for k, ref in targets if k == kind})
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            sql = f"SELECT id, name FROM {table} WHERE id IN ({','.join('?' * len(chunk))})"
            out.update(((kind, id_), name) for id_, name in conn.execute(sql, chunk))
    return out
