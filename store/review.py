"""Reviewing findings: status, edits, links, decisions on proposals, undo, each logged in the history.

Every write is one transaction (store.write.begin/commit) that changes the records and appends its rows to
`changes` together, so the history never disagrees with the records. A finding marked curated is sealed: its
fields and links cannot change until it is unsealed (`unseal`, itself logged as field 'sealed', true -> false);
it is sealed again when it is marked curated again. Whether a finding is sealed is read from its status and its
history (`sealed`), and one function refuses changes to a sealed finding (`_refuse_if_sealed`).

Values in `changes.before`/`after` are JSON: text, numbers, null, true/false for 'sealed' and 'sensitive', and
for a finding's links the whole list after the change ('actors': [[actor id, role], ...] sorted by id;
'regions': [region id, ...] sorted), so that every change can be undone and checked the same way.
"""

from __future__ import annotations

import getpass
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from store import derived_keys, vocab, write
from store.errors import StoreError
from store.history import CHANGE_COLUMNS, Change, append, changes_by_id, decode, history, row_change
from store.schema import KEYED_FROM

__all__ = ["Change", "history"]  # the history's own module is store.history; review re-exports what it shows

TYPE_CHECKING = False
if TYPE_CHECKING:
    from store.search.evidence import EvidenceRow
    from store.search.evidence_filter import EvidenceFilter

REVIEWER_ENV = "FINDINGS_REVIEWER"
MAX_REVIEWER = 120

# Fields `edit` changes, each with its check (store.vocab; ValueError on a bad value); texts in NFC, as imports
# store them (store.integrity).
EDITABLE: dict[str, Callable[[object], object]] = {
    "claim": lambda v: _nfc(vocab.check_text(v, required=True)),
    "quote": lambda v: _nfc(vocab.check_text(v)),
    "date": vocab.check_date,
    "category": lambda v: vocab.check_choice(v, vocab.CATEGORIES, required=True),
    "quantity": vocab.check_quantity,
    "unit": lambda v: _nfc(vocab.check_text(v, limit=vocab.MAX_NAME)),
    "locator": lambda v: _nfc(vocab.check_text(v, limit=vocab.MAX_NAME)),
    "confidence": lambda v: vocab.check_choice(v, vocab.CONFIDENCE),
    "sensitive": lambda v: _check_flag(v),
}


def _nfc(text: str | None) -> str | None:
    from store.query import nfc

    return None if text is None else nfc(text)


# Fields review writes only as a consequence of another: its status (set_status), the language its text shows.
DERIVED = ("status", "lang")
# Sensitivity protects people (a witness named): it can be set on a sealed finding without unsealing it.
UNSEALED_FIELDS = frozenset({"sensitive"})
LINK_TABLES = {
    "actor": ("evidence_actors", "actor_id", "actors"),
    "region": ("evidence_regions", "region_id", "regions"),
}


class ReviewError(StoreError):
    """A review action that cannot be done (unknown record, bad value, nothing to undo)."""


class SealedError(ReviewError):
    """The finding is curated and sealed: unseal it first."""


@dataclass(frozen=True, slots=True)
class FindingState:
    """A finding's reviewable values as they are now (for the screen to redraw its row)."""

    id: str
    claim: str
    quote: str | None
    category: str
    date: str | None
    quantity: int | float | None
    unit: str | None
    locator: str | None
    confidence: str | None
    status: str
    sealed: bool
    sensitive: bool
    source_id: str
    actors: tuple[tuple[str, str | None], ...]
    regions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Done:
    """What a review action changed: the history rows it appended (in order) and the finding as it is now
    (None when the action changed no finding)."""

    changes: tuple[Change, ...]
    finding: FindingState | None


# ----------------------------------------------------------------------------------------------------- who


def reviewer(given: str | None = None) -> str:
    """Who is making changes: `given` (--reviewer), else $FINDINGS_REVIEWER, else the login name, else
    'unknown'. Control characters are dropped and the name is cut at MAX_REVIEWER characters."""
    for candidate in (given, os.environ.get(REVIEWER_ENV)):
        name = _clean_name(candidate)
        if name:
            return name
    try:
        name = _clean_name(getpass.getuser())
    except Exception:  # no login name (a container without a passwd entry): getpass raises OSError or KeyError
        name = None
    return name or "unknown"


def _clean_name(value: str | None) -> str | None:
    if value is None:
        return None
    text = "".join(ch for ch in value if ch.isprintable()).strip()
    return text[:MAX_REVIEWER] or None


# --------------------------------------------------------------------------------------------- the finding


def _evidence_row(conn: sqlite3.Connection, evidence_id: str) -> sqlite3.Row | tuple:
    row = conn.execute(
        "SELECT id, claim, quote, category, date, quantity, unit, locator, confidence, status, sensitive, source_id "
        "FROM evidence WHERE id = ?",
        (evidence_id,),
    ).fetchone()
    if row is None:
        raise ReviewError(f"no finding {evidence_id!r}")
    return row


def links(conn: sqlite3.Connection, evidence_id: str, kind: str) -> list:
    """A finding's links as the history records them: [[actor id, role], ...] or [region id, ...], sorted."""
    if kind == "actor":
        rows = conn.execute(
            "SELECT actor_id, role FROM evidence_actors WHERE evidence_id = ? ORDER BY actor_id", (evidence_id,)
        )
        return [[a, r] for a, r in rows]
    rows = conn.execute(
        "SELECT region_id FROM evidence_regions WHERE evidence_id = ? ORDER BY region_id", (evidence_id,)
    )
    return [r[0] for r in rows]


def sealed(conn: sqlite3.Connection, evidence_id: str, status: str | None = None) -> bool:
    """Whether a finding is sealed: curated, and not unsealed since it was last sealed (its history's last
    'sealed' change, if any, says true)."""
    if status is None:
        status = _evidence_row(conn, evidence_id)[9]
    if status != "curated":
        return False
    row = conn.execute(
        "SELECT after FROM changes WHERE kind = 'evidence' AND record_id = ? AND field = 'sealed' "
        "ORDER BY id DESC LIMIT 1",
        (evidence_id,),
    ).fetchone()
    return row is None or decode(row[0]) is True


def left_by_imports(conn: sqlite3.Connection, curated: dict[str, str]) -> set[str]:
    """Which of these curated findings (id -> the file an import reads it from) the import must leave as they
    are: sealed, and last written by someone else than an import of that same file (a reviewer who marked or
    edited it, another file, the build). The file that wrote a finding as curated may still change it: an
    edited file updates its rows. (store.write.plan asks, through ImportSession.)"""
    out: set[str] = set()
    for evidence_id, file in curated.items():
        if not sealed(conn, evidence_id, "curated"):
            continue
        last = conn.execute(
            "SELECT i.path FROM changes c LEFT JOIN imports i ON i.id = c.import_id "
            "WHERE c.kind = 'evidence' AND c.record_id = ? ORDER BY c.id DESC LIMIT 1",
            (evidence_id,),
        ).fetchone()
        if last is None or last[0] is None or last[0] not in (file, str(Path(file).resolve())):
            out.add(evidence_id)
    return out


def curated_records(conn: sqlite3.Connection, kind: str, ids: Sequence[str]) -> set[str]:
    """Which of these existing sources, actors or regions (`kind`: source, actor, region) no import may rewrite:
    those whose last change in the history was made by the dataset's build or by a person (a review, a merge),
    not by an import. A record an import made stays for imports to update until a person or the dataset
    changes it. (store.write.plan asks, through ImportSession, only of records an import would change.)"""
    from store.captures import DATASET_COLLECTOR

    out: set[str] = set()
    for record_id in ids:
        last = conn.execute(
            "SELECT who, import_id FROM changes WHERE kind = ? AND record_id = ? ORDER BY id DESC LIMIT 1",
            (kind, record_id),
        ).fetchone()
        if last is not None and (last[1] is None or last[0] == DATASET_COLLECTOR):
            out.add(record_id)
    return out


def state(conn: sqlite3.Connection, evidence_id: str) -> FindingState:
    """A finding's reviewable values now. Raises ReviewError when there is no such finding."""
    row = _evidence_row(conn, evidence_id)
    id_, claim, quote, category, date, quantity, unit, locator, confidence, status, sensitive, source_id = row
    return FindingState(
        id=id_,
        claim=claim,
        quote=quote,
        category=category,
        date=date,
        quantity=quantity,
        unit=unit,
        locator=locator,
        confidence=confidence,
        status=status,
        sealed=sealed(conn, evidence_id, status),
        sensitive=bool(sensitive),
        source_id=source_id,
        actors=tuple((a, r) for a, r in links(conn, evidence_id, "actor")),
        regions=tuple(links(conn, evidence_id, "region")),
    )


def _refuse_if_sealed(conn: sqlite3.Connection, evidence_id: str, what: str) -> None:
    """The one place that refuses to change a sealed finding."""
    if sealed(conn, evidence_id):
        raise SealedError(f"finding {evidence_id!r} is curated and sealed; unseal it before changing {what}")


def _check_flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    raise ValueError(f"{value!r} is not true or false")


def _current(conn: sqlite3.Connection, evidence_id: str, field: str) -> object:
    """The value of one field as the history records it."""
    if field == "actors":
        return links(conn, evidence_id, "actor")
    if field == "regions":
        return links(conn, evidence_id, "region")
    if field == "sealed":
        return sealed(conn, evidence_id)
    if field not in (*EDITABLE, *DERIVED):
        raise ReviewError(f"{field!r} is not a field of a finding that review changes")
    value = conn.execute(f'SELECT "{field}" FROM evidence WHERE id = ?', (evidence_id,)).fetchone()[0]
    return bool(value) if field == "sensitive" else value


def _set(conn: sqlite3.Connection, evidence_id: str, field: str, value: object) -> None:
    """Write one field (or a whole list of links) of a finding, in the caller's transaction."""
    if field == "sealed":
        return  # recorded by the history row alone
    if field in ("actors", "regions"):
        # Only what differs is deleted and inserted: each link row fires triggers that rewrite the finding's
        # linked names and its search index entry.
        assert isinstance(value, list)
        if field == "actors":
            have = {a: r for a, r in links(conn, evidence_id, "actor")}
            want = {a: r for a, r in value}
            gone = [(evidence_id, a) for a in have if a not in want or want[a] != have[a]]
            new = [(evidence_id, a, r) for a, r in want.items() if a not in have or have[a] != r]
            conn.executemany("DELETE FROM evidence_actors WHERE evidence_id = ? AND actor_id = ?", gone)
            conn.executemany("INSERT INTO evidence_actors (evidence_id, actor_id, role) VALUES (?, ?, ?)", new)
        else:
            have_regions, want_regions = set(links(conn, evidence_id, "region")), set(value)
            conn.executemany(
                "DELETE FROM evidence_regions WHERE evidence_id = ? AND region_id = ?",
                [(evidence_id, r) for r in sorted(have_regions - want_regions)],
            )
            conn.executemany(
                "INSERT INTO evidence_regions (evidence_id, region_id) VALUES (?, ?)",
                [(evidence_id, r) for r in sorted(want_regions - have_regions)],
            )
        return
    stored = int(bool(value)) if field == "sensitive" else value
    conn.execute(f'UPDATE evidence SET "{field}" = ? WHERE id = ?', (stored, evidence_id))
    if field in KEYED_FROM["evidence"]:  # the text's matching keys follow it (store.derived_keys)
        derived_keys.refresh(conn, "evidence", [evidence_id])


# -------------------------------------------------------------------------------------------- transactions


@contextmanager
def session(conn: sqlite3.Connection) -> Iterator[None]:
    """Many review actions in a row on `conn` (the review mode): each is still its own transaction, but the file
    stays in WAL mode between them instead of switching back to rollback mode after each (store.journal), which
    would cost a checkpoint and two mode switches per key press; it is switched back when the session ends."""
    from pathlib import Path

    from store import connect, journal

    if not isinstance(conn, connect.Connection):
        yield
        return
    conn.keep_wal = True
    try:
        yield
    finally:
        conn.keep_wal = False
        if conn.path is not None and not conn.in_transaction:
            journal.end_write(conn, journal.WriteState(Path(conn.path)), committed=True)


def _write(conn: sqlite3.Connection, work: Callable[[], list[int]], evidence_id: str | list[str] | None) -> Done:
    """Run `work` (which changes records and appends their history, returning the new changes' ids) as one
    transaction; return what changed, with the finding `evidence_id` (or the last one `work` put in a list)."""
    write.begin(conn)
    try:
        ids = work()
        if isinstance(evidence_id, list):
            evidence_id = evidence_id[-1] if evidence_id else None
        changes = tuple(changes_by_id(conn, ids)) if ids else ()
        finding = state(conn, evidence_id) if evidence_id is not None else None
        write.commit(conn)
    except BaseException:
        write.rollback(conn)
        raise
    return Done(changes, finding)


def _apply(
    conn: sqlite3.Connection,
    evidence_id: str,
    values: Sequence[tuple[str, object]],
    *,
    who: str,
    note: str | None,
    undoes: int | None = None,
) -> list[int]:
    """Set fields of a finding and log each one that changes (unchanged ones are left out)."""
    rows: list[tuple[str, str, str | None, object, object]] = []
    for field, value in values:
        before = _current(conn, evidence_id, field)
        if before == value and field != "sealed":
            continue
        _set(conn, evidence_id, field, value)
        rows.append(("evidence", evidence_id, field, before, value))
    return append(conn, rows, who=who, note=note, undoes=undoes)


def set_status(conn: sqlite3.Connection, evidence_id: str, status: str, *, who: str, note: str | None = None) -> Done:
    """Mark a finding curated, unreviewed, disputed or rejected. Curated seals it (again, after an unseal);
    a sealed finding keeps its status until it is unsealed."""

    def work() -> list[int]:
        try:
            value = vocab.check_choice(status, vocab.STATUSES, required=True)
        except ValueError as e:
            raise ReviewError(f"status {e}") from None
        current = _evidence_row(conn, evidence_id)[9]
        is_sealed = sealed(conn, evidence_id, current)
        if is_sealed and value != current:
            raise SealedError(f"finding {evidence_id!r} is curated and sealed; unseal it before changing its status")
        values: list[tuple[str, object]] = [("status", value)]
        if value == "curated" and not is_sealed and current == "curated":
            values = [("sealed", True)]  # curated again after an unseal: sealed again
        return _apply(conn, evidence_id, values, who=who, note=note)

    return _write(conn, work, evidence_id)


def edit(
    conn: sqlite3.Connection, evidence_id: str, field: str, value: object, *, who: str, note: str | None = None
) -> Done:
    """Change one field of a finding: claim, quote, date, category, quantity, unit, locator, confidence or
    sensitive, checked as imports check it. Refused (SealedError) on a sealed finding, but for `sensitive`."""
    return edit_fields(conn, evidence_id, {field: value}, who=who, note=note)


def edit_fields(
    conn: sqlite3.Connection, evidence_id: str, values: Mapping[str, object], *, who: str, note: str | None = None
) -> Done:
    """Change several fields of a finding together (the review's edit form): every value is checked first, and
    one refused value (ReviewError, naming the field) changes nothing; then one transaction writes them all, one
    action in the history, undone together. A changed claim or quote gives the finding the language its text now
    shows (store.write.finding_language, as an import does), logged as field `lang` in the same action; a text
    that shows no language keeps the one the finding had."""

    def work() -> list[int]:
        checked: list[tuple[str, object]] = []
        for field, value in values.items():
            check = EDITABLE.get(field)
            if check is None:
                raise ReviewError(f"{field!r} cannot be edited; one of: {', '.join(EDITABLE)}")
            try:
                checked.append((field, check(value)))
            except ValueError as e:
                raise ReviewError(f"{field} {e}") from None
        _evidence_row(conn, evidence_id)
        sealing = [field for field, _ in checked if field not in UNSEALED_FIELDS]
        if sealing:
            _refuse_if_sealed(conn, evidence_id, f"its {', '.join(sealing)}")
        new = dict(checked)
        if "claim" in new or "quote" in new:
            claim = new["claim"] if "claim" in new else _current(conn, evidence_id, "claim")
            quote = new["quote"] if "quote" in new else _current(conn, evidence_id, "quote")
            lang = write.finding_language(str(claim), str(quote) if quote is not None else None)
            if lang is not None:
                checked.append(("lang", lang))
        return _apply(conn, evidence_id, checked, who=who, note=note)

    return _write(conn, work, evidence_id)


def mark_sensitive(
    conn: sqlite3.Connection, kind: str, record_id: str, value: bool = True, *, who: str, note: str | None = None
) -> Done:
    """Mark a finding ('evidence') or a source sensitive (or not): left out of exports and the bundle unless
    asked for. Allowed on sealed findings (protecting a witness needs no unseal)."""
    if kind == "evidence":
        return edit(conn, record_id, "sensitive", value, who=who, note=note)
    if kind != "source":
        raise ReviewError(f"findings ('evidence') and sources can be marked sensitive, not {kind!r}")

    def work() -> list[int]:
        row = conn.execute("SELECT sensitive FROM sources WHERE id = ?", (record_id,)).fetchone()
        if row is None:
            raise ReviewError(f"no source {record_id!r}")
        before, after = bool(row[0]), bool(value)
        if before == after:
            return []
        conn.execute("UPDATE sources SET sensitive = ? WHERE id = ?", (int(after), record_id))
        return append(conn, [("source", record_id, "sensitive", before, after)], who=who, note=note)

    return _write(conn, work, None)


def unseal(conn: sqlite3.Connection, evidence_id: str, *, who: str, note: str | None = None) -> Done:
    """Allow changes to a curated finding again (logged: field 'sealed', true -> false). It stays curated; marking
    it curated again seals it. Unsealing a finding that is not sealed changes nothing."""

    def work() -> list[int]:
        if not sealed(conn, evidence_id):
            return []
        rows = [("evidence", evidence_id, "sealed", True, False)]
        return append(conn, rows, who=who, note=note)

    return _write(conn, work, evidence_id)


def _link_change(
    conn: sqlite3.Connection, evidence_id: str, kind: str, ref_id: str, add: bool, role: str | None
) -> tuple[str, object]:
    if kind not in LINK_TABLES:
        raise ReviewError(f"a finding links to an 'actor' or a 'region', not {kind!r}")
    _evidence_row(conn, evidence_id)
    _refuse_if_sealed(conn, evidence_id, "its links")
    entity = LINK_TABLES[kind][2]
    if conn.execute(f"SELECT 1 FROM {entity} WHERE id = ?", (ref_id,)).fetchone() is None:
        raise ReviewError(f"no {kind} {ref_id!r}")
    field = f"{kind}s"
    now = links(conn, evidence_id, kind)
    if kind == "actor":
        rest = [pair for pair in now if pair[0] != ref_id]
        after: list = sorted([*rest, [ref_id, role]]) if add else rest
        after = sorted(after, key=lambda pair: pair[0])
    else:
        after = sorted({*now, ref_id}) if add else [r for r in now if r != ref_id]
    return field, after


def link(
    conn: sqlite3.Connection,
    evidence_id: str,
    kind: str,
    ref_id: str,
    *,
    who: str,
    role: str | None = None,
    note: str | None = None,
) -> Done:
    """Link a finding to an actor or a region ('actor' | 'region'); an actor already linked gets `role`."""

    def work() -> list[int]:
        field, after = _link_change(conn, evidence_id, kind, ref_id, True, role)
        return _apply(conn, evidence_id, [(field, after)], who=who, note=note)

    return _write(conn, work, evidence_id)


def unlink(
    conn: sqlite3.Connection, evidence_id: str, kind: str, ref_id: str, *, who: str, note: str | None = None
) -> Done:
    """Remove a finding's link to an actor or a region."""

    def work() -> list[int]:
        field, after = _link_change(conn, evidence_id, kind, ref_id, False, None)
        return _apply(conn, evidence_id, [(field, after)], who=who, note=note)

    return _write(conn, work, evidence_id)


# ---------------------------------------------------------------------------------------------- proposals


@dataclass(frozen=True, slots=True)
class OpenProposal:
    id: int
    kind: str  # 'same-as' | 'duplicate'
    left_kind: str
    left_id: str
    right_kind: str
    right_id: str
    reason: str
    status: str


def proposals(conn: sqlite3.Connection, *, status: str | None = "open", kind: str | None = None) -> list[OpenProposal]:
    """Proposals (open ones by default), oldest first."""
    where, params = [], []
    if status is not None:
        where.append("status = ?")
        params.append(status)
    if kind is not None:
        where.append("kind = ?")
        params.append(kind)
    sql = "SELECT id, kind, left_kind, left_id, right_kind, right_id, reason, status FROM proposals"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [OpenProposal(*r) for r in conn.execute(sql + " ORDER BY id", params)]


def proposals_for(conn: sqlite3.Connection, kind: str, record_id: str) -> list[OpenProposal]:
    """Open proposals naming a record on either side."""
    rows = conn.execute(
        "SELECT id, kind, left_kind, left_id, right_kind, right_id, reason, status FROM proposals "
        "WHERE status = 'open' AND ((left_kind = ? AND left_id = ?) OR (right_kind = ? AND right_id = ?)) ORDER BY id",
        (kind, record_id, kind, record_id),
    )
    return [OpenProposal(*r) for r in rows]


def decide(conn: sqlite3.Connection, proposal_id: int, accept: bool, *, who: str, note: str | None = None) -> Done:
    """Accept or refuse an open proposal. Accepting 'same-as' records a 'same-as' relation from the imported
    actor (left) to the existing one (right): both rows stay, nothing is merged. Accepting 'duplicate' marks the
    new finding (left) rejected. Refusing only records the decision."""
    evidence_ids: list[str] = []

    def work() -> list[int]:
        row = conn.execute(
            "SELECT kind, left_kind, left_id, right_kind, right_id, status FROM proposals WHERE id = ?", (proposal_id,)
        ).fetchone()
        if row is None:
            raise ReviewError(f"no proposal {proposal_id}")
        kind, left_kind, left_id, right_kind, right_id, status = row
        if status != "open":
            raise ReviewError(f"proposal {proposal_id} was already {status}")
        decision = "accepted" if accept else "refused"
        when = write.now()
        conn.execute(
            "UPDATE proposals SET status = ?, decided = ?, decided_by = ? WHERE id = ?",
            (decision, when, who, proposal_id),
        )
        rows: list[tuple[str, str, str | None, object, object]] = [
            ("proposal", str(proposal_id), "status", "open", decision)
        ]
        if accept and kind == "same-as" and left_kind == right_kind == "actor":
            cur = conn.execute(
                "INSERT INTO relations (subject_id, object_id, kind) VALUES (?, ?, 'same-as')", (left_id, right_id)
            )
            values = {"subject_id": left_id, "object_id": right_id, "kind": "same-as"}
            rows.append(("relation", str(cur.lastrowid), None, None, values))
        elif accept and kind == "duplicate" and left_kind == "evidence":
            _refuse_if_sealed(conn, left_id, "its status")
            before = _current(conn, left_id, "status")
            if before != "rejected":
                _set(conn, left_id, "status", "rejected")
                rows.append(("evidence", left_id, "status", before, "rejected"))
            evidence_ids.append(left_id)
        return append(conn, rows, who=who, note=note)

    return _write(conn, work, evidence_ids)


# --------------------------------------------------------------------------------------------------- undo


def undo(conn: sqlite3.Connection, *, who: str) -> Done:
    """Revert the last review action of `who` not yet undone (an undo is itself logged, naming the action it
    reverts in `undoes`; undoing again reverts the action before). Raises ReviewError when there is nothing to
    undo, or when the record has changed since (by someone else, or an import)."""
    evidence_ids: list[str] = []

    def work() -> list[int]:
        row = conn.execute(
            "SELECT action FROM changes c WHERE who = ? AND import_id IS NULL AND undoes IS NULL "
            "AND action IS NOT NULL AND NOT EXISTS (SELECT 1 FROM changes u WHERE u.undoes = c.action) "
            "ORDER BY id DESC LIMIT 1",
            (who,),
        ).fetchone()
        if row is None:
            raise ReviewError(f"nothing to undo: {who} has made no review change that is not undone")
        action = row[0]
        done = [
            row_change(r)
            for r in conn.execute(f"SELECT {CHANGE_COLUMNS} FROM changes WHERE action = ? ORDER BY id DESC", (action,))
        ]
        rows: list[tuple[str, str, str | None, object, object]] = []
        for change in done:
            rows.append(_revert(conn, change))
            if change.kind == "evidence":
                evidence_ids.append(change.record_id)
        return append(conn, rows, who=who, note=f"undo of change {action}", undoes=action)

    return _write(conn, work, evidence_ids)


def _revert(conn: sqlite3.Connection, change: Change) -> tuple[str, str, str | None, object, object]:
    """Put one change back, checking that the record is still as the change left it."""
    if change.kind == "evidence" and change.field is not None:
        now = _current(conn, change.record_id, change.field)
        if now != change.after:
            raise ReviewError(
                f"cannot undo: the {change.field} of finding {change.record_id!r} has changed since ({now!r})"
            )
        _set(conn, change.record_id, change.field, change.before)
        return ("evidence", change.record_id, change.field, change.after, change.before)
    if change.kind == "source" and change.field == "sensitive":
        conn.execute("UPDATE sources SET sensitive = ? WHERE id = ?", (int(bool(change.before)), change.record_id))
        return ("source", change.record_id, "sensitive", change.after, change.before)
    if change.kind == "proposal" and change.field == "status":
        conn.execute(
            "UPDATE proposals SET status = ?, decided = NULL, decided_by = NULL WHERE id = ?",
            (change.before, int(change.record_id)),
        )
        return ("proposal", change.record_id, "status", change.after, change.before)
    if change.kind == "relation" and change.field is None and change.after is not None:
        conn.execute("DELETE FROM relations WHERE id = ?", (int(change.record_id),))
        return ("relation", change.record_id, None, change.after, None)
    raise ReviewError(f"change {change.id} ({change.kind} {change.what}) cannot be undone")


# --------------------------------------------------------------------------------------------------- queue


def queue(conn: sqlite3.Connection, flt: EvidenceFilter, *, offset: int = 0, limit: int = 50) -> list[EvidenceRow]:
    """A page of the unreviewed findings that match `flt` (the evidence list with `status:unreviewed`)."""
    from dataclasses import replace

    from store.search.evidence import list_evidence

    return list_evidence(conn, replace(flt, statuses=("unreviewed",)), offset=offset, limit=limit)


def queue_count(conn: sqlite3.Connection, flt: EvidenceFilter) -> int:
    """How many unreviewed findings match `flt`."""
    from dataclasses import replace

    from store.search.evidence import count_evidence

    return count_evidence(conn, replace(flt, statuses=("unreviewed",)))
