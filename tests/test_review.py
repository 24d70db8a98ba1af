"""Reviewing findings through store.review: every change is one transaction that appends its history; sealed
findings refuse changes until unsealed; undo reverts the reviewer's last action; rejected findings leave the
lists unless asked for; the history cannot be edited."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from store import connect, review
from store.search.evidence import count_evidence, list_evidence
from store.search.evidence_filter import EvidenceFilter

WHO = "olena"


@pytest.fixture
def conn(db: Path) -> sqlite3.Connection:
    c = connect.open_readwrite(db)
    # an unreviewed finding to work on, as an article import leaves it
    c.execute("BEGIN")
    c.execute(
        "INSERT INTO evidence (id, claim, category, source_id, locator, status, date) "
        "SELECT 'fresh-finding', 'A new claim about Quuxgrain exports', 'trade', source_id, 'para 3', 'unreviewed', "
        "'2024-05' FROM evidence LIMIT 1"
    )
    c.execute("COMMIT")
    return c


def curated_id(conn: sqlite3.Connection) -> str:
    return conn.execute("SELECT id FROM evidence WHERE status = 'curated' ORDER BY id LIMIT 1").fetchone()[0]


def test_reviewer_comes_from_the_option_then_the_environment_then_the_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINDINGS_REVIEWER", "env-name")
    assert review.reviewer("given\x1b[31m") == "given[31m"  # control characters dropped
    assert review.reviewer(None) == "env-name"
    monkeypatch.delenv("FINDINGS_REVIEWER")
    monkeypatch.setattr(review.getpass, "getuser", lambda: "login-name")
    assert review.reviewer() == "login-name"

    def no_login() -> str:
        raise OSError("no login name")

    monkeypatch.setattr(review.getpass, "getuser", no_login)
    assert review.reviewer("  ") == "unknown"


def test_set_status_changes_the_row_and_logs_who_and_what(conn: sqlite3.Connection) -> None:
    done = review.set_status(conn, "fresh-finding", "disputed", who=WHO, note="two sources disagree")
    assert done.finding is not None and done.finding.status == "disputed"
    [change] = done.changes
    assert (change.who, change.kind, change.record_id, change.field) == (WHO, "evidence", "fresh-finding", "status")
    assert (change.before, change.after, change.note) == ("unreviewed", "disputed", "two sources disagree")
    assert change.at.endswith("+00:00") and change.import_id is None
    assert review.history(conn, "evidence", "fresh-finding") == [change]
    with pytest.raises(review.ReviewError, match="not one of"):
        review.set_status(conn, "fresh-finding", "maybe", who=WHO)
    with pytest.raises(review.ReviewError, match="no finding"):
        review.set_status(conn, "no-such-finding", "curated", who=WHO)


def test_edit_checks_values_as_imports_do(conn: sqlite3.Connection) -> None:
    done = review.edit(conn, "fresh-finding", "date", "2024-06-01", who=WHO)
    assert done.finding is not None and done.finding.date == "2024-06-01"
    assert [(c.before, c.after) for c in done.changes] == [("2024-05", "2024-06-01")]
    review.edit(conn, "fresh-finding", "quantity", "1,200", who=WHO)
    assert review.state(conn, "fresh-finding").quantity == 1200
    for field, bad in (("date", "2024-13"), ("category", "gossip"), ("claim", "  "), ("status", "curated")):
        with pytest.raises(review.ReviewError):
            review.edit(conn, "fresh-finding", field, bad, who=WHO)
    # an edit that changes nothing appends nothing
    assert review.edit(conn, "fresh-finding", "date", "2024-06-01", who=WHO).changes == ()
    assert len(review.history(conn, "evidence", "fresh-finding")) == 2


def test_a_curated_finding_is_sealed_until_unsealed_and_sealed_again_when_curated(conn: sqlite3.Connection) -> None:
    review.set_status(conn, "fresh-finding", "curated", who=WHO)
    assert review.state(conn, "fresh-finding").sealed
    for attempt in (
        lambda: review.edit(conn, "fresh-finding", "claim", "Rewritten", who=WHO),
        lambda: review.set_status(conn, "fresh-finding", "disputed", who=WHO),
        lambda: review.link(conn, "fresh-finding", "region", "crimea", who=WHO),
    ):
        with pytest.raises(review.SealedError, match="unseal"):
            attempt()
    assert review.state(conn, "fresh-finding").claim == "A new claim about Quuxgrain exports"
    # a witness's name can be protected without unsealing
    assert review.edit(conn, "fresh-finding", "sensitive", True, who=WHO).finding.sensitive  # type: ignore[union-attr]
    done = review.unseal(conn, "fresh-finding", who=WHO, note="typo in the claim")
    assert [(c.field, c.before, c.after) for c in done.changes] == [("sealed", True, False)]
    assert done.finding is not None and done.finding.status == "curated" and not done.finding.sealed
    review.edit(conn, "fresh-finding", "claim", "A new claim about Quuxgrain exports via Sevastopol", who=WHO)
    again = review.set_status(conn, "fresh-finding", "curated", who=WHO)
    assert [(c.field, c.after) for c in again.changes] == [("sealed", True)]
    assert review.state(conn, "fresh-finding").sealed
    # curated findings from the dataset are sealed from the start
    assert review.state(conn, curated_id(conn)).sealed


def test_link_and_unlink_log_the_whole_list(conn: sqlite3.Connection) -> None:
    done = review.link(conn, "fresh-finding", "region", "crimea", who=WHO)
    assert done.finding is not None and done.finding.regions == ("crimea",)
    assert [(c.field, c.before, c.after) for c in done.changes] == [("regions", [], ["crimea"])]
    actor = conn.execute("SELECT id FROM actors ORDER BY id LIMIT 1").fetchone()[0]
    done = review.link(conn, "fresh-finding", "actor", actor, who=WHO, role="buyer")
    assert done.finding is not None and done.finding.actors == ((actor, "buyer"),)
    names = conn.execute("SELECT linked_names FROM evidence WHERE id = 'fresh-finding'").fetchone()[0]
    assert "Crimea" in names  # search finds it by its new links
    done = review.unlink(conn, "fresh-finding", "region", "crimea", who=WHO)
    assert done.finding is not None and done.finding.regions == ()
    with pytest.raises(review.ReviewError, match="no region"):
        review.link(conn, "fresh-finding", "region", "atlantis", who=WHO)
    with pytest.raises(review.ReviewError, match=r"actor.*region"):
        review.link(conn, "fresh-finding", "source", "x", who=WHO)


def test_undo_reverts_the_reviewers_last_action_and_is_logged(conn: sqlite3.Connection) -> None:
    review.edit(conn, "fresh-finding", "date", "2023", who=WHO)
    review.set_status(conn, "fresh-finding", "rejected", who=WHO)
    review.edit(conn, "fresh-finding", "locator", "para 9", who="someone-else")
    done = review.undo(conn, who=WHO)  # the status, not someone else's locator
    assert done.finding is not None and done.finding.status == "unreviewed"
    assert done.finding.locator == "para 9"
    [change] = done.changes
    assert (change.field, change.before, change.after) == ("status", "rejected", "unreviewed")
    assert change.undoes is not None
    assert review.undo(conn, who=WHO).finding.date == "2024-05"  # type: ignore[union-attr]
    with pytest.raises(review.ReviewError, match="nothing to undo"):
        review.undo(conn, who=WHO)
    assert len(review.history(conn, "evidence", "fresh-finding")) == 5  # nothing of the history is lost


def test_undo_refuses_when_the_record_changed_since(conn: sqlite3.Connection) -> None:
    review.edit(conn, "fresh-finding", "unit", "tonnes", who=WHO)
    review.edit(conn, "fresh-finding", "unit", "kg", who="someone-else")
    with pytest.raises(review.ReviewError, match="changed since"):
        review.undo(conn, who=WHO)
    assert review.state(conn, "fresh-finding").unit == "kg"


def test_a_failed_action_writes_nothing(conn: sqlite3.Connection) -> None:
    before = conn.execute("SELECT count(*) FROM changes").fetchone()[0]
    with pytest.raises(review.ReviewError):
        review.edit(conn, "fresh-finding", "date", "never", who=WHO)
    assert conn.execute("SELECT count(*) FROM changes").fetchone()[0] == before
    assert not conn.in_transaction


def test_the_history_refuses_updates_and_deletes(conn: sqlite3.Connection) -> None:
    review.set_status(conn, "fresh-finding", "disputed", who=WHO)
    for sql in ("UPDATE changes SET who = 'mallory'", "DELETE FROM changes"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(sql)
    assert [c.who for c in review.history(conn, "evidence", "fresh-finding")] == [WHO]


def _add_proposal(conn: sqlite3.Connection, kind: str, left: tuple[str, str], right: tuple[str, str]) -> int:
    conn.execute("BEGIN")
    cur = conn.execute(
        "INSERT INTO proposals (kind, left_kind, left_id, right_kind, right_id, reason, created) "
        "VALUES (?, ?, ?, ?, ?, 'test', '2026-01-01T00:00:00+00:00')",
        (kind, *left, *right),
    )
    conn.execute("COMMIT")
    return int(cur.lastrowid)  # type: ignore[arg-type]


def test_accepting_a_duplicate_rejects_the_new_finding(conn: sqlite3.Connection) -> None:
    old = curated_id(conn)
    pid = _add_proposal(conn, "duplicate", ("evidence", "fresh-finding"), ("evidence", old))
    assert [p.id for p in review.proposals_for(conn, "evidence", "fresh-finding")] == [pid]
    assert [p.id for p in review.proposals(conn, kind="duplicate")] == [pid]
    done = review.decide(conn, pid, True, who=WHO)
    assert done.finding is not None and done.finding.status == "rejected"
    assert conn.execute("SELECT status, decided_by FROM proposals WHERE id = ?", (pid,)).fetchone() == (
        "accepted",
        WHO,
    )
    with pytest.raises(review.ReviewError, match="already accepted"):
        review.decide(conn, pid, False, who=WHO)
    review.undo(conn, who=WHO)  # both the decision and the rejection
    assert review.state(conn, "fresh-finding").status == "unreviewed"
    assert conn.execute("SELECT status FROM proposals WHERE id = ?", (pid,)).fetchone() == ("open",)


def test_accepting_same_as_records_a_relation_and_merges_nothing(conn: sqlite3.Connection) -> None:
    a, b = (r[0] for r in conn.execute("SELECT id FROM actors ORDER BY id LIMIT 2"))
    actors = conn.execute("SELECT count(*) FROM actors").fetchone()[0]
    pid = _add_proposal(conn, "same-as", ("actor", a), ("actor", b))
    done = review.decide(conn, pid, True, who=WHO)
    assert {c.kind for c in done.changes} == {"proposal", "relation"}
    assert conn.execute("SELECT count(*) FROM relations WHERE kind = 'same-as' AND subject_id = ?", (a,)).fetchone()
    assert conn.execute("SELECT count(*) FROM actors").fetchone()[0] == actors
    refused = _add_proposal(conn, "same-as", ("actor", b), ("actor", a))
    assert [c.after for c in review.decide(conn, refused, False, who=WHO).changes] == ["refused"]


def test_rejected_findings_leave_lists_and_search_unless_asked_for(conn: sqlite3.Connection) -> None:
    everything = count_evidence(conn, EvidenceFilter())
    review.set_status(conn, "fresh-finding", "rejected", who=WHO)
    assert count_evidence(conn, EvidenceFilter()) == everything - 1
    assert "fresh-finding" not in [r.id for r in list_evidence(conn, EvidenceFilter(), limit=1000)]
    assert count_evidence(conn, EvidenceFilter(query="quuxgrain")) == 0
    assert [r.id for r in list_evidence(conn, EvidenceFilter(query="status:rejected"))] == ["fresh-finding"]
    assert [r.id for r in list_evidence(conn, EvidenceFilter(statuses=("rejected",)))] == ["fresh-finding"]
    assert count_evidence(conn, EvidenceFilter(query="quuxgrain status:rejected,unreviewed")) == 1


def test_the_queue_is_the_unreviewed_findings_matching_a_query(conn: sqlite3.Connection) -> None:
    assert [r.id for r in review.queue(conn, EvidenceFilter())] == ["fresh-finding"]
    assert review.queue_count(conn, EvidenceFilter(query="quuxgrain")) == 1
    assert review.queue(conn, EvidenceFilter(query="category:military")) == []
    review.set_status(conn, "fresh-finding", "curated", who=WHO)
    assert review.queue(conn, EvidenceFilter()) == []


def test_a_review_session_keeps_wal_between_actions_and_leaves_rollback_mode(conn: sqlite3.Connection) -> None:
    def mode() -> str:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    with review.session(conn):
        review.set_status(conn, "fresh-finding", "disputed", who=WHO)
        assert mode() == "wal"
        review.edit(conn, "fresh-finding", "unit", "tonnes", who=WHO)
        assert mode() == "wal"
    assert mode() == "delete"  # at rest in rollback-journal mode again
    review.set_status(conn, "fresh-finding", "unreviewed", who=WHO)
    assert mode() == "delete"  # one action alone switches back when it ends


def test_editing_several_fields_checks_them_all_first_then_writes_one_action(conn: sqlite3.Connection) -> None:
    """The edit form's save: a refused value (the last one here) changes nothing, not even the valid ones; valid
    values are one transaction and one action, with the language a new claim shows, undone together."""
    row = "SELECT claim, category, date, lang FROM evidence WHERE id = 'fresh-finding'"
    before = conn.execute(row).fetchone()
    with pytest.raises(review.ReviewError, match="category"):
        review.edit_fields(conn, "fresh-finding", {"claim": "Changed", "category": "військо"}, who=WHO)
    assert conn.execute(row).fetchone() == before
    assert review.history(conn, "evidence", "fresh-finding") == []

    claim = "Делегація відвідала порт, що його окупували у 2022 році."
    done = review.edit_fields(conn, "fresh-finding", {"claim": claim, "date": "2024-06"}, who=WHO)
    assert [c.field for c in done.changes] == ["claim", "date", "lang"]
    assert len({c.action for c in done.changes}) == 1
    assert conn.execute(row).fetchone() == (claim, "trade", "2024-06", "uk")
    # a claim that shows no language keeps the finding's
    review.edit_fields(conn, "fresh-finding", {"claim": "Quuxgrain 2024"}, who=WHO)
    assert conn.execute(row).fetchone()[3] == "uk"
    review.undo(conn, who=WHO)
    review.undo(conn, who=WHO)
    assert conn.execute(row).fetchone() == before
