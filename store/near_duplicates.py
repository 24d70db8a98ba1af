"""Near duplicates: a new unreviewed finding that restates one already in the database is proposed as a
duplicate of it (a 'duplicate' proposal: left the new finding, right the existing one) for a reviewer to decide.
The new finding is kept, unreviewed; accepting the proposal rejects it (store.review.decide).

A finding restates another when they cite the same source and their claims are nearly the same words (after
case, punctuation and spacing are set aside: at least SIMILAR alike, difflib's ratio over words) with the same
figures (the words holding a digit: dates, amounts, counts), or when they
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
    return _ratio(words(a), words(b))


def _ratio(wa: Sequence[str], wb: Sequence[str]) -> float:
    if not wa or not wb:
        return 0.0
    matcher = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
        return matcher.quick_ratio()
    return matcher.ratio()


@dataclass(frozen=True, slots=True)
class _Claim:
    """A claim's words, read once: in order, as a set, and how many of them repeat an earlier one."""

    id: str
    words: tuple[str, ...]
    distinct: frozenset[str]
    repeats: int
    figures: tuple[str, ...]  # its words holding a digit, sorted: two claims giving other figures differ

    @classmethod
    def of(cls, record_id: str, claim: str) -> _Claim:
        found = tuple(words(claim))
        distinct = frozenset(found)
        figures = tuple(sorted(w for w in found if any(c.isdigit() for c in w)))
        return cls(record_id, found, distinct, len(found) - len(distinct), figures)

    def may_match(self, other: _Claim) -> bool:
        """False when the two cannot be SIMILAR alike, by an upper bound of difflib's ratio: the ratio is at most
        2 x (words in common, counted with repeats) / (words of both), and the words in common are at most the
        distinct ones in common plus the fewer repeats of the two. Exact for claims without repeated words, and
        a set intersection instead of a sequence match for every pair that fails it."""
        common = len(self.distinct & other.distinct) + min(self.repeats, other.repeats)
        return 2 * common >= SIMILAR * (len(self.words) + len(other.words)) - 1e-9  # (never fails on rounding)


def find(conn: sqlite3.Connection, new: Sequence[Evidence]) -> list[Duplicate]:
    """The near duplicates among `new` (written already, in this transaction, in this order) of findings written
    before them. Each is compared with at most MAX_CANDIDATES findings of its source (the newest before it),
    whose words are read once per source, and only those that can be alike by their words are compared in full."""
    out: list[Duplicate] = []
    pools: dict[str, list[_Claim]] = {}
    first = _rowid(conn, new[0].id) if new else 0
    for ev in new:
        pool = pools.get(ev.source_id)
        if pool is None:
            rows = conn.execute(
                "SELECT id, claim FROM evidence WHERE source_id = ? AND rowid < ? AND status != 'rejected' "
                "ORDER BY rowid DESC LIMIT ?",
                (ev.source_id, first, MAX_CANDIDATES),
            ).fetchall()
            pool = pools[ev.source_id] = [_Claim.of(i, c) for i, c in rows]
        mine = _Claim.of(ev.id, ev.claim)
        if ev.status == "unreviewed":  # (one a person wrote as curated or disputed: they have judged it)
            found = _same_source(mine, pool) or _same_figure(conn, ev)
            if found:
                out.append(found)
        pool.insert(0, mine)
        del pool[MAX_CANDIDATES:]
    return out


def _rowid(conn: sqlite3.Connection, evidence_id: str) -> int:
    return int(conn.execute("SELECT rowid FROM evidence WHERE id = ?", (evidence_id,)).fetchone()[0])


def _same_source(mine: _Claim, pool: list[_Claim]) -> Duplicate | None:
    if not mine.words:
        return None
    # The newest finding it restates (the pool is newest first): one is enough to propose it, and stopping there
    # keeps a file of many alike findings linear (each would otherwise be compared with all 200 in full).
    for other in pool:
        if not other.words or mine.figures != other.figures or not mine.may_match(other):
            continue  # (other figures: "320,000 EUR to CSU" is not "80,000 EUR to FDP", however alike the words)
        score = _ratio(mine.words, other.words)
        if score >= SIMILAR:
            return Duplicate(mine.id, other.id, f"same source and a claim {score:.0%} alike")
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
