"""Near duplicates: a new unreviewed finding that restates one already in the database is proposed as a
duplicate of it (a 'duplicate' proposal: left the new finding, right the existing one) for a reviewer to decide.
The new finding is kept, unreviewed; accepting the proposal rejects it (store.review.decide).

A finding restates another when they cite the same source and their claims are nearly the same words (after
case, punctuation and spacing are set aside: at least SIMILAR alike, difflib's ratio over words), or when they
give the same figure (quantity and unit) on the same date about a shared actor. Each is compared only with
findings that were there before it (an earlier row), never rejected ones, so two new twins make one proposal.

Imports that add more than MAX_CHECKED new findings are not checked (bulk datasets: the comparisons would cost
more than the import); the import says so.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from store.records import Evidence

SIMILAR = 0.85
MAX_CHECKED = 5_000  # new findings per import
MAX_CANDIDATES = 200  # findings of one source compared with each new one (the newest)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Duplicate:
    new_id: str
    existing_id: str
    reason: str


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def similarity(a: str, b: str) -> float:
    """How alike two claims are, 0..1, over their words (case, punctuation and spacing aside)."""
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return 0.0
    matcher = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return matcher.quick_ratio()
    return matcher.ratio()


def find(conn: sqlite3.Connection, new: Sequence[Evidence]) -> list[Duplicate]:
    """The near duplicates among `new` (written already, in this transaction, in this order) of findings written
    before them. Each is compared with at most MAX_CANDIDATES findings of its source (the newest before it),
    whose words are read once per source, and only those sharing most of its words are compared in full."""
    out: list[Duplicate] = []
    pools: dict[str, list[tuple[str, str, frozenset[str]]]] = {}
    first = _rowid(conn, new[0].id) if new else 0
    for ev in new:
        pool = pools.get(ev.source_id)
        if pool is None:
            rows = conn.execute(
                "SELECT id, claim FROM evidence WHERE source_id = ? AND rowid < ? AND status != 'rejected' "
                "ORDER BY rowid DESC LIMIT ?",
                (ev.source_id, first, MAX_CANDIDATES),
            ).fetchall()
            pool = pools[ev.source_id] = [(i, c, frozenset(words(c))) for i, c in rows]
        found = None
        if ev.status == "unreviewed":  # (one a person wrote as curated or disputed: they have judged it)
            found = _same_source(ev, pool) or _same_figure(conn, ev)
            if found:
                out.append(found)
        pool.insert(0, (ev.id, ev.claim, frozenset(words(ev.claim))))
        del pool[MAX_CANDIDATES:]
    return out


def _rowid(conn: sqlite3.Connection, evidence_id: str) -> int:
    return int(conn.execute("SELECT rowid FROM evidence WHERE id = ?", (evidence_id,)).fetchone()[0])


def _same_source(ev: Evidence, pool: list[tuple[str, str, frozenset[str]]]) -> Duplicate | None:
    mine = frozenset(words(ev.claim))
    if not mine:
        return None
    # The newest finding it restates (the pool is newest first): one is enough to propose it, and stopping there
    # keeps a file of many alike findings linear (each would otherwise be compared with all 200 in full).
    for other_id, claim, theirs in pool:
        if not theirs or len(mine & theirs) < SIMILAR * max(len(mine), len(theirs)) - 1:
            continue  # too few words in common to be 85% alike in order
        score = similarity(ev.claim, claim)
        if score >= SIMILAR:
            return Duplicate(ev.id, other_id, f"same source and a claim {score:.0%} alike")
    return None


def _same_figure(conn: sqlite3.Connection, ev: Evidence) -> Duplicate | None:
    if ev.quantity is None or not ev.date or not ev.actors:
        return None
    actor_ids = [a for a, _ in ev.actors]
    marks = ",".join("?" * len(actor_ids))
    row = conn.execute(
        "SELECT e.id, l.actor_id FROM evidence e JOIN evidence_actors l ON l.evidence_id = e.id "
        f"WHERE e.date = ? AND e.quantity = ? AND coalesce(e.unit, '') = ? AND l.actor_id IN ({marks}) "
        "AND e.rowid < ? AND e.status != 'rejected' ORDER BY e.rowid DESC LIMIT 1",
        (ev.date, ev.quantity, ev.unit or "", *actor_ids, _rowid(conn, ev.id)),
    ).fetchone()
    if row is None:
        return None
    figure = f"{ev.quantity:g}" if isinstance(ev.quantity, float) else f"{ev.quantity}"
    unit = f" {ev.unit}" if ev.unit else ""
    return Duplicate(ev.id, row[0], f"same figure {figure}{unit}, date {ev.date} and actor {row[1]}")
