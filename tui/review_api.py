"""The explorer's one way to the review store (store.review): every call review mode makes, in one place.

Review mode writes only through store.review (a small transaction per action, each appending its rows to the
history) and reads the history and the captured text through it. The screens call these functions and
nothing else of store.review, so a change of its signatures is a change here. All of them run on a database
thread of the explorer (tui.db), never on the UI thread.

What a write changed is read back here as a finding (store.details.evidence) so the screen can update its row
in place, whatever shape store.review's own return values take.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable

    from store.sync_conflicts import Conflict, Decision

REVIEW_STATUSES = ("curated", "disputed", "rejected")
EDITABLE = ("claim", "date", "category", "figure", "locator")  # what the edit form offers, in its order


@dataclass(frozen=True)
class Review:
    """A review session (`findings review`): who reviews, and the query that chose the queue."""

    reviewer: str
    query: str = ""
    repo: Path | None = None  # the data repository `findings sync` uses, where a merge may wait for decisions


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
    field: str  # the field's name, or 'created' / 'deleted'
    before: object
    after: object
    note: str | None


def reviewer(given: str | None) -> str:
    """Who is reviewing: --reviewer, else FINDINGS_REVIEWER, else the login name (store.review decides)."""
    from store import review

    return str(review.reviewer(given))


def _outcome(done: object, message: str) -> Outcome:
    """An Outcome from what store.review returned (a Done: its changes and the finding as it is now)."""
    state = getattr(done, "finding", None)
    if state is None:
        return Outcome(None, None, message)
    if dataclasses.is_dataclass(state) and not isinstance(state, type):
        finding = dataclasses.asdict(state)
    else:
        finding = dict(state)
    return Outcome(str(finding.get("id")), finding, message)


def set_status(conn: sqlite3.Connection, evidence_id: str, status: str, who: str) -> Outcome:
    from store import review

    return _outcome(review.set_status(conn, evidence_id, status, who=who), f"Marked {status}")


def edit(conn: sqlite3.Connection, evidence_id: str, values: Mapping[str, object], who: str) -> Outcome:
    """Change the fields of `values` (store.review's names: claim, date, category, quantity, unit, locator)
    together (store.review.edit_fields): every value is checked first, and a refused one raises
    (store.review.ReviewError, naming the field) with nothing changed; else one transaction, one undo."""
    from store import review

    if not values:
        return Outcome(evidence_id, None, "Nothing changed")
    done = review.edit_fields(conn, evidence_id, values, who=who)
    return _outcome(done, f"Changed {', '.join(values)}")


def unseal(conn: sqlite3.Connection, evidence_id: str, who: str) -> Outcome:
    from store import review

    return _outcome(review.unseal(conn, evidence_id, who=who), "Unsealed: it can be edited; curated seals it again")


def link(conn: sqlite3.Connection, evidence_id: str, kind: str, ref_id: str, who: str, *, add: bool) -> Outcome:
    from store import review

    if add:
        return _outcome(review.link(conn, evidence_id, kind, ref_id, who=who), f"Linked {kind} {ref_id}")
    return _outcome(review.unlink(conn, evidence_id, kind, ref_id, who=who), f"Unlinked {kind} {ref_id}")


def undo(conn: sqlite3.Connection, who: str) -> Outcome:
    """Revert `who`'s last review action (the finding it touched, when it touched one). Nothing left to undo
    raises (store.review.ReviewError), saying so."""
    from store import review

    return _outcome(review.undo(conn, who=who), "Undone")


def decide(conn: sqlite3.Connection, proposal_id: int, accept: bool, who: str) -> Outcome:
    from store import review

    return _outcome(review.decide(conn, proposal_id, accept, who=who), "Accepted" if accept else "Refused")


@dataclass(frozen=True)
class Proposal:
    """An open proposal with both sides read (store.details' dicts; None when a side is gone)."""

    id: int
    kind: str  # 'same-as' (two actors) or 'duplicate' (a new finding and an existing one)
    reason: str
    left_kind: str
    left_id: str
    right_kind: str
    right_id: str
    left: dict[str, Any] | None
    right: dict[str, Any] | None


def open_proposals(conn: sqlite3.Connection, limit: int = 500) -> list[Proposal]:
    """The open proposals, oldest first, each with both sides as store.details reads them."""
    from store import details, review

    def side(kind: str, record_id: str) -> dict[str, Any] | None:
        if kind == "actor":
            return details.actor(conn, record_id, evidence_limit=0, aggregates=False)
        if kind == "evidence":
            return details.evidence(conn, record_id)
        return None

    out = []
    for p in review.proposals(conn)[:limit]:
        out.append(
            Proposal(
                p.id,
                p.kind,
                p.reason,
                p.left_kind,
                p.left_id,
                p.right_kind,
                p.right_id,
                side(p.left_kind, p.left_id),
                side(p.right_kind, p.right_id),
            )
        )
    return out


def history(conn: sqlite3.Connection, evidence_id: str) -> list[HistoryLine]:
    """Every change of a finding, oldest first (empty on a database without a history)."""
    from store import review

    lines = []
    for change in review.history(conn, "evidence", evidence_id):
        lines.append(HistoryLine(change.at, change.who, change.what, change.before, change.after, change.note))
    return lines


@dataclass(frozen=True)
class Flags:
    """What a finding's screen says besides its fields: sealed (curated: edits need an unseal) and sensitive
    (left out of exports unless asked for)."""

    sealed: bool
    sensitive: bool


def flags(conn: sqlite3.Connection, evidence_id: str) -> Flags:
    from store import review

    state = review.state(conn, evidence_id)
    return Flags(state.sealed, state.sensitive)


@dataclass(frozen=True)
class Cited:
    """The paragraph a finding's locator names, from the captured text of its source, and where it came from."""

    text: str
    number: int
    origin: str
    captured_at: str


def cited_paragraph(conn: sqlite3.Connection, evidence_id: str) -> Cited | None:
    """The paragraph of the captured source text that the finding's locator names (store.captures), or None: no
    text kept (the shipped dataset's is not ours to ship), or a locator that names no paragraph."""
    from store import captures

    found = captures.cited_paragraph(conn, evidence_id)
    if found is None:
        return None
    return Cited(found.text, found.number, found.origin, found.captured_at)


# ------------------------------------------------------------------------------------------ sync conflicts
# A merge of `findings sync` that waits for decisions (store.sync_conflicts). These run git in the data
# repository and, for the last decision, rebuild the database file: on the writes thread, never the UI's.


@dataclass(frozen=True)
class Conflicts:
    """The records a merge waits on, each with both versions, and where the other side came from."""

    repo: Path
    theirs: str | None  # `from-olena.bundle`, a remote: what the merge's message names
    items: list[Conflict]


def sync_conflicts(review: Review, target: Path) -> Conflicts | None:
    """The conflicts waiting in the review's data repository; None when it has no merge waiting (or no
    repository was given)."""
    from store import sync_conflicts as sc

    if review.repo is None:
        return None
    git = sc.waiting_merge(review.repo, review.reviewer, target)
    if git is None:
        return None
    return Conflicts(git.repo, sc.merge_label(git), sc.conflicts(git))


def editable_text(conflict: Conflict) -> str:
    from store import sync_conflicts as sc

    return sc.editable_text(conflict)


def decide_conflict(review: Review, target: Path, record: str, choice: str, text: str | None = None) -> Decision:
    """Keep ours, theirs, or an edited `text` of one conflicting record, as `findings sync --resolve` does
    (store.sync_conflicts.decide: refused with a StoreError that says why)."""
    from store import sync_conflicts as sc
    from store.gitrepo import Git

    if review.repo is None:
        raise sc.ConflictError("no data repository: give findings review --repo DIR")
    return sc.decide(Git(review.repo.absolute(), review.reviewer, target), record, choice, target, text=text)


def finish_merge(review: Review, target: Path, say: Callable[[str], None]) -> None:
    """The last record is decided: finish the merge exactly as `findings sync --resolve` does (commit, rebuild
    the database into a new file renamed over `target`, each decision in the history under the reviewer's name)."""
    from store import sync_conflicts as sc
    from store.gitrepo import Git

    if review.repo is None:
        raise sc.ConflictError("no data repository: give findings review --repo DIR")
    sc.finish(Git(review.repo.absolute(), review.reviewer, target), target, say=say)
