"""The explorer's one way to the review store (store.review): every call review mode makes, in one place.

Review mode writes only through store.review (a small transaction per action, each appending its rows to the
history) and reads the history and the captured text through it. The screens call these functions and
nothing else of store.review, so a change of its signatures is a change here. All of them run on a database
thread of the explorer (tui.db), never on the UI thread.

What a write changed is read back here as a finding (store.details.evidence) so the screen can update its row
in place, whatever shape store.review's own return values take.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

REVIEW_STATUSES = ("curated", "disputed", "rejected")
EDITABLE = ("claim", "date", "category", "figure", "locator")  # what the edit form offers, in its order


@dataclass(frozen=True)
class Review:
    """A review session (`findings review`): who reviews, and the query that chose the queue."""

    reviewer: str
    query: str = ""


@dataclass(frozen=True)
class Outcome:
    """What a review action did: the finding it touched (as store.details.evidence reads it now, None when it is
    gone or the action was on something else) and a line for the person, already plain text."""

    evidence_id: str | None
    finding: dict[str, Any] | None
    message: str


@dataclass(frozen=True)
class HistoryLine:
    """One change of a record, for the finding screen (values as stored: the screen cleans them)."""

    at: str
    who: str
    field: str | None
    before: object
    after: object
    note: str | None


def reviewer(given: str | None) -> str:
    """Who is reviewing: --reviewer, else FINDINGS_REVIEWER, else the login name (store.review decides)."""
    from store import review

    return str(review.reviewer(given))


def _finding(conn: sqlite3.Connection, evidence_id: str | None) -> dict[str, Any] | None:
    from store.details import evidence

    return evidence(conn, evidence_id) if evidence_id else None


def _record_of(change: object) -> tuple[str | None, str | None]:
    """(kind, record id) of what store.review returned about a change (an object or a mapping)."""
    if change is None:
        return None, None
    if isinstance(change, (list, tuple)):
        return _record_of(change[-1]) if change else (None, None)
    if isinstance(change, Mapping):
        return change.get("kind"), change.get("record_id")
    return getattr(change, "kind", None), getattr(change, "record_id", None)


def set_status(conn: sqlite3.Connection, evidence_id: str, status: str, who: str) -> Outcome:
    from store import review

    review.set_status(conn, evidence_id, status, who=who)
    return Outcome(evidence_id, _finding(conn, evidence_id), f"Marked {status}")


def edit(conn: sqlite3.Connection, evidence_id: str, values: Mapping[str, object], who: str) -> Outcome:
    """Change the fields of `values` (store.review's names: claim, date, category, quantity, unit, locator), one
    logged change each, in the order given. A refused value raises (store.errors), naming the field."""
    from store import review

    for field, value in values.items():
        try:
            review.edit(conn, evidence_id, field, value, who=who)
        except ValueError as e:
            raise ValueError(f"{field}: {e}") from None
    names = ", ".join(values)
    return Outcome(evidence_id, _finding(conn, evidence_id), f"Changed {names}" if names else "Nothing changed")


def unseal(conn: sqlite3.Connection, evidence_id: str, who: str) -> Outcome:
    from store import review

    review.unseal(conn, evidence_id, who=who)
    return Outcome(evidence_id, _finding(conn, evidence_id), "Unsealed: it can be edited (curated seals it again)")


def link(conn: sqlite3.Connection, evidence_id: str, kind: str, ref_id: str, who: str, *, add: bool) -> Outcome:
    from store import review

    if add:
        review.link(conn, evidence_id, kind, ref_id, who=who)
    else:
        review.unlink(conn, evidence_id, kind, ref_id, who=who)
    return Outcome(evidence_id, _finding(conn, evidence_id), f"{'Linked' if add else 'Unlinked'} {kind}")


def undo(conn: sqlite3.Connection, who: str) -> Outcome:
    """Revert `who`'s last review change; the finding it touched, when it was a finding."""
    from store import review

    change = review.undo(conn, who=who)
    kind, record_id = _record_of(change)
    if change is None:
        return Outcome(None, None, "Nothing of yours to undo")
    if kind in ("evidence", "link", None) and record_id:
        evidence_id = str(record_id).split(":", 1)[0] if kind == "link" else str(record_id)
        return Outcome(evidence_id, _finding(conn, evidence_id), "Undone")
    return Outcome(None, None, "Undone")


def decide(conn: sqlite3.Connection, proposal_id: int, accept: bool, who: str) -> Outcome:
    from store import review

    review.decide(conn, proposal_id, accept, who=who)
    return Outcome(None, None, "Accepted" if accept else "Refused")


def open_proposals(conn: sqlite3.Connection, limit: int = 200) -> list[dict[str, Any]]:
    """The open proposals (same-as between actors, duplicate findings), oldest first, with both sides read."""
    from store import review

    return list(review.open_proposals(conn, limit=limit))


def history(conn: sqlite3.Connection, evidence_id: str) -> list[HistoryLine]:
    """Every change of a finding, oldest first (empty on a database without a history)."""
    from store import review

    lines = []
    for change in review.history(conn, "evidence", evidence_id):
        get = change.get if isinstance(change, Mapping) else lambda name, c=change: getattr(c, name, None)
        lines.append(
            HistoryLine(
                at=str(get("at") or ""),
                who=str(get("who") or ""),
                field=get("field"),
                before=get("before"),
                after=get("after"),
                note=get("note"),
            )
        )
    return lines


def cited_paragraph(conn: sqlite3.Connection, evidence_id: str) -> str | None:
    """The paragraph of the captured source text that the finding's locator names, or None (no text kept, or
    the locator names no paragraph)."""
    from store import review

    text = review.cited_paragraph(conn, evidence_id)
    return str(text) if text is not None else None
