"""Review and history speed on a big database, each figure a ratio against a baseline measured in the same run.

    .venv/bin/python bench/review_speed.py --db /work/bench-data/big-current.db [--work DIR] [--repeats N]

The database given is never written: it is copied to --work (default: a temporary directory) and upgraded there.

- review   store.review actions (set_status, edit, link: each its own transaction with its history rows) on
           unreviewed findings, in a review session (store.review.session, as the review mode runs them) and one
           alone, vs a plain `BEGIN IMMEDIATE; UPDATE evidence SET status = ? WHERE id = ?; COMMIT` of one row on
           the same connection; median per action, and the ratio. (The explorer shows the row a review action
           returns, so the action's time is the time until it can be drawn.)
- paging   the evidence list (first page, a page at offset 10,000, the last page, the unreviewed queue), its
           count, and a search with words, on a fresh read-only connection each time: two copies of the
           database, one with an empty `changes` table, one with a history row per finding (as an import writes
           them) plus 10,000 review changes, read in turn (ABBA); ratio with/without (target: at most 1.1).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from store import connect, review, write  # noqa: E402
from store.search import EvidenceFilter, count_evidence, list_evidence, search  # noqa: E402


def median_ms(fn: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), samples


def copy_db(source: Path, target: Path) -> Path:
    if target.exists():
        target.unlink()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    src.backup(dst)  # a consistent copy even if someone reads the original
    src.close()
    dst.close()
    conn = connect.open_readwrite(target)
    before, after = write.begin(conn)  # upgrades the schema in the write transaction
    write.commit(conn)
    conn.close()
    print(f"copied {source} -> {target}; schema {before} -> {after}", file=sys.stderr)
    return target


def paging(before: Path, after: Path, repeats: int) -> tuple[dict[str, float], dict[str, float]]:
    """Median ms of each list figure on each file, a fresh read-only connection (so empty caches) each time; the
    two files are read in turn, so the machine's load falls on both alike."""
    conn = connect.open_readonly(before)
    total = count_evidence(conn, EvidenceFilter())
    conn.close()
    figures: dict[str, Callable[[sqlite3.Connection], object]] = {
        "first page": lambda c: list_evidence(c, EvidenceFilter(), offset=0, limit=50),
        "page at 10,000": lambda c: list_evidence(c, EvidenceFilter(), offset=10_000, limit=50),
        "last page": lambda c: list_evidence(c, EvidenceFilter(), offset=max(0, total - 50), limit=50, total=total),
        "count": lambda c: count_evidence(c, EvidenceFilter()),
        "unreviewed, first page": lambda c: list_evidence(c, EvidenceFilter(statuses=("unreviewed",)), limit=50),
        "search 'yuan bank'": lambda c: search(c, "yuan bank", kinds=("evidence",), limit=50),
    }
    out: tuple[dict[str, float], dict[str, float]] = ({}, {})
    for name, fn in figures.items():
        samples: tuple[list[float], list[float]] = ([], [])
        for i in range(repeats * 2):
            side = i % 2 if (i // 2) % 2 == 0 else 1 - i % 2  # ABBA: neither file always goes first
            c = connect.open_readonly((before, after)[side])
            started = time.perf_counter()
            fn(c)
            samples[side].append((time.perf_counter() - started) * 1000)
            c.close()
        out[0][name], out[1][name] = statistics.median(samples[0]), statistics.median(samples[1])
    return out


def fill_history(path: Path, reviews: int) -> int:
    """One 'created' history row per finding (as an import writes them), and `reviews` review status changes."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO changes (at, who, kind, record_id, field, before, after, import_id) "
        "SELECT '2026-01-01T00:00:00+00:00', 'bench', 'evidence', id, NULL, NULL, "
        "json_object('claim', claim, 'category', category, 'date', date, 'source_id', source_id, "
        "'locator', locator, 'status', status), NULL FROM evidence"
    )
    conn.execute(
        "INSERT INTO changes (at, who, kind, record_id, field, before, after, action) "
        "SELECT '2026-01-02T00:00:00+00:00', 'reviewer', 'evidence', id, 'status', json_quote(status), "
        "json_quote(status), NULL FROM evidence ORDER BY rowid LIMIT ?",
        (reviews,),
    )
    conn.execute("COMMIT")
    n = conn.execute("SELECT count(*) FROM changes").fetchone()[0]
    conn.close()
    return int(n)


def review_actions(path: Path, repeats: int) -> dict[str, float]:
    conn = connect.open_readwrite(path)
    rng = random.Random(7)
    ids = [r[0] for r in conn.execute("SELECT id FROM evidence WHERE status = 'unreviewed' LIMIT 5000")]
    region = conn.execute("SELECT id FROM regions ORDER BY evidence_count DESC LIMIT 1").fetchone()[0]
    picks = rng.sample(ids, min(len(ids), repeats * 4))
    it = iter(picks)

    def plain() -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE evidence SET status = 'disputed' WHERE id = ?", (next(it),))
        conn.execute("COMMIT")

    out = {}
    out["plain UPDATE"], _ = median_ms(plain, repeats)
    with review.session(conn):  # as the review mode runs them: the file in WAL mode throughout
        review.set_status(conn, next(it), "disputed", who="bench")  # (the first switches it)
        out["set_status"], _ = median_ms(lambda: review.set_status(conn, next(it), "disputed", who="bench"), repeats)
        out["edit date"], _ = median_ms(lambda: review.edit(conn, next(it), "date", "2024-05-01", who="bench"), repeats)
        out["link region"], _ = median_ms(lambda: review.link(conn, next(it), "region", region, who="bench"), repeats)
    out["set_status, alone"], _ = median_ms(
        lambda: review.set_status(conn, next(it), "disputed", who="bench"), repeats
    )  # one action outside a session: switched to WAL and back (store.journal)
    conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="review-bench-"))
    try:
        plain = copy_db(args.db, work / "no-history.db")
        path = copy_db(plain, work / "history.db")
        conn = connect.open_readonly(path)
        rows = conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
        conn.close()
        history = fill_history(path, 10_000)
        before, after = paging(plain, path, args.repeats)
        actions = review_actions(path, args.repeats)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{rows:,} findings; history rows after filling: {history:,}")
    print(f"{'list figure':28} {'before ms':>10} {'after ms':>10} {'ratio':>7}  target <= 1.1")
    for name in before:
        ratio = after[name] / before[name] if before[name] else float("nan")
        print(f"{name:28} {before[name]:10.1f} {after[name]:10.1f} {ratio:7.2f}  {'PASS' if ratio <= 1.1 else 'FAIL'}")
    base = actions["plain UPDATE"]
    print(f"{'review action':28} {'ms':>10} {'ratio to plain UPDATE':>22}  (plain UPDATE {base:.1f} ms)")
    for name, ms in actions.items():
        if name != "plain UPDATE":
            print(f"{name:28} {ms:10.1f} {ms / base:22.2f}  {'PASS' if ms <= 50 else 'FAIL'} (50 ms on screen)")
    if args.json_out:
        report = {"rows": rows, "history_rows": history, "paging_before_ms": before, "paging_after_ms": after}
        report["review_ms"] = actions
        args.json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
