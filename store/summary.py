"""A few lines on what a database holds (what `findings` prints when it has nothing else to do)."""

from __future__ import annotations

from pathlib import Path

from store.connect import open_readonly


def counts(conn) -> dict[str, int]:  # type: ignore[no-untyped-def]
    tables = ("sources", "actors", "regions", "evidence", "relations")
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def describe(path: Path) -> str:
    conn = open_readonly(path)
    try:
        n = counts(conn)
    finally:
        conn.close()
    return f"{path}: " + ", ".join(f"{v:,} {k}" for k, v in n.items())
