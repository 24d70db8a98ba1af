"""Near duplicates: an import proposes a new finding that restates an existing one as its duplicate (kept
unreviewed, for a reviewer), says how many it proposed, and accepting the proposal rejects the new finding."""

from __future__ import annotations

from pathlib import Path

from store import connect, review
from store.near_duplicates import similarity
from tests.conftest import import_yaml, query, run_cli

SOURCE = "kyiv-independent-occupied-economy"


def test_a_restated_claim_of_the_same_source_is_proposed_as_a_duplicate(db: Path, tmp_path: Path) -> None:
    said = import_yaml(
        db,
        tmp_path,
        f"""evidence:
  - id: yuan-branches-again
    claim: According to the report, 79 bank branches in the occupied territories officially sell Chinese yuan
      in cash!
    category: finance
    source: {SOURCE}
""",
    )
    assert "Proposed 1 new finding as near duplicate" in said
    rows = query(db, "SELECT kind, left_id, right_id, reason, status, import_id FROM proposals")
    assert len(rows) == 1
    kind, left, right, reason, status, import_id = rows[0]
    assert (kind, left, right, status) == ("duplicate", "yuan-branches-again", "bank-branches-sell-yuan", "open")
    assert "same source" in reason and import_id is not None
    # kept, unreviewed, in the review queue; accepting rejects it and hides it from lists
    assert query(db, "SELECT status FROM evidence WHERE id = 'yuan-branches-again'") == [("unreviewed",)]
    conn = connect.open_readwrite(db)
    [proposal] = review.proposals_for(conn, "evidence", "yuan-branches-again")
    done = review.decide(conn, proposal.id, True, who="olena")
    assert done.finding is not None and done.finding.status == "rejected"
    conn.close()
    assert "yuan-branches-again" not in run_cli("search", "yuan", db=db).output


def test_the_same_figure_date_and_actor_from_another_source_is_proposed(db: Path, tmp_path: Path) -> None:
    import_yaml(
        db,
        tmp_path,
        """sources:
  - {id: other-paper, title: Another paper}
evidence:
  - id: cranes-first
    claim: Forty cranes arrived.
    category: logistics
    source: other-paper
    status: curated
    quantity: 40
    unit: cranes
    date: 2024-05
    actors: [china]
""",
        "first.yaml",
    )
    said = import_yaml(
        db,
        tmp_path,
        """sources:
  - {id: third-paper, title: A third paper}
evidence:
  - id: cranes-second
    claim: A shipment of lifting equipment was delivered to the port in spring.
    category: logistics
    source: third-paper
    quantity: 40
    unit: cranes
    date: 2024-05
    actors: [china, iran]
""",
        "second.yaml",
    )
    assert "Proposed 1 new finding" in said
    [(right, reason)] = query(db, "SELECT right_id, reason FROM proposals WHERE left_id = 'cranes-second'")
    assert right == "cranes-first" and reason == "same figure 40 cranes, date 2024-05 and actor china"


def test_twins_in_one_file_make_one_proposal_and_different_claims_none(db: Path, tmp_path: Path) -> None:
    claim = "Iranian drones were assembled at a plant in occupied Donetsk according to the field notes."
    said = import_yaml(
        db,
        tmp_path,
        f"""evidence:
  - {{id: drones-a, claim: "{claim}", category: military, source: {SOURCE}}}
  - {{id: drones-b, claim: "{claim.replace("field notes", "field-notes")}", category: military, source: {SOURCE}}}
  - {{id: grain-c, claim: "Grain left Berdiansk by sea in May.", category: trade, source: {SOURCE}}}
""",
    )
    assert query(db, "SELECT left_id, right_id FROM proposals") == [("drones-b", "drones-a")]
    assert "Proposed 1 new finding" in said
    assert query(db, "SELECT count(*) FROM evidence WHERE id IN ('drones-a', 'drones-b', 'grain-c')") == [(3,)]


def test_a_finding_a_person_wrote_as_curated_is_not_proposed(db: Path, tmp_path: Path) -> None:
    said = import_yaml(
        db,
        tmp_path,
        f"""evidence:
  - id: yuan-branches-curated
    claim: According to the report, 79 bank branches in the occupied territories officially sell Chinese yuan in cash.
    category: finance
    source: {SOURCE}
    status: curated
""",
    )
    assert query(db, "SELECT count(*) FROM proposals") == [(0,)]
    assert "near duplicate" not in said


def test_similarity_sets_case_punctuation_and_spacing_aside() -> None:
    assert similarity("Seventy-nine  branches sell YUAN.", "seventy nine branches sell yuan") == 1.0
    assert similarity("Huawei supplied base stations.", "Grain left the port by sea.") < 0.3


def test_claims_that_may_be_alike_are_never_passed_over_by_the_quick_word_test() -> None:
    """find() compares in full only pairs that pass _Claim.may_match (a bound of difflib's ratio): over many
    short claims with repeated words, every pair that is SIMILAR alike passes it, and most that are not fail it."""
    import random

    from store.near_duplicates import SIMILAR, _Claim

    rng = random.Random(7)
    vocabulary = ["yuan", "bank", "branch", "Crimea", "sell", "cash", "the", "in", "of", "79"]
    claims = [" ".join(rng.choices(vocabulary, k=rng.randint(1, 9))) for _ in range(400)]
    alike = passed_over = 0
    for a, b in zip(claims, claims[1:] + claims[:1], strict=True):
        for x, y in ((a, b), (a, " ".join([*a.split()[:-1], "the"]))):
            if similarity(x, y) >= SIMILAR:
                alike += 1
                assert _Claim.of("x", x).may_match(_Claim.of("y", y)), (x, y)
            elif not _Claim.of("x", x).may_match(_Claim.of("y", y)):
                passed_over += 1
    assert alike > 50 and passed_over > 200, (alike, passed_over)


def test_many_tiny_findings_of_one_source_are_checked_in_bounded_time(db: Path, tmp_path: Path) -> None:
    """3,000 findings of one source that share most words ("Claim number N"): each is compared with up to 200
    before it; none is proposed (their claims are only 2/3 alike). The quick word test settles every pair."""
    import json

    from store import near_duplicates

    path = tmp_path / "tiny.json"
    records = [{"id": f"e-{i:05d}", "claim": f"Claim number {i}", "category": "trade"} for i in range(3000)]
    path.write_text(json.dumps({"source": {"id": "bench-source", "title": "A source"}, "evidence": records}))
    calls = 0
    real = near_duplicates._ratio

    def counted(a: object, b: object) -> float:
        nonlocal calls
        calls += 1
        return real(a, b)  # type: ignore[arg-type]

    near_duplicates._ratio = counted  # type: ignore[assignment]
    try:
        result = run_cli("import", "json", str(path), db=db)
    finally:
        near_duplicates._ratio = real
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT count(*) FROM proposals") == [(0,)]
    assert calls == 0


def test_claims_alike_but_for_their_figures_are_not_duplicates(db: Path, tmp_path: Path) -> None:
    """Templated claims (FtM payments: "Payment of 320,000 EUR from X to CSU on 2011-12-21") are alike word for
    word; other amounts or dates make other findings. A QA run saw two real payments proposed as duplicates."""
    said = import_yaml(
        db,
        tmp_path,
        f"""evidence:
  - id: pay-1
    claim: Payment of 320,000 EUR from Verband der Bayerischen Metall- und Elektroindustrie e.V. to CSU
    category: finance
    source: {SOURCE}
  - id: pay-2
    claim: Payment of 80,000 EUR from Verband der Bayerischen Metall- und Elektroindustrie e.V. to FDP
    category: finance
    source: {SOURCE}
  - id: pay-3
    claim: Payment of 80,000 EUR from Verband der Bayerischen Metall- und Elektroindustrie e.V., to FDP
    category: finance
    source: {SOURCE}
""",
    )
    assert query(db, "SELECT left_id, right_id FROM proposals WHERE kind = 'duplicate'") == [("pay-3", "pay-2")]
    assert "near duplicate" in said
