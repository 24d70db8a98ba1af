"""Captured sources: every import keeps its file's hash, size, time, origin and collector; an article keeps its
text, so a finding's `para N` can be read offline; `findings verify` hashes them again."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from store import captures, connect
from tests.conftest import ROOT, query, run_cli

ARTICLE = ROOT / "tests" / "data" / "articles" / "field-notes.txt"


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_bytes(ARTICLE.read_bytes())
    return path


def import_article(db: Path, path: Path) -> None:
    result = run_cli("import", "article", str(path), db=db)
    assert result.exit_code == 0, result.output


def test_an_article_is_captured_with_its_hash_size_time_origin_collector_and_text(
    db: Path, article: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINDINGS_REVIEWER", "mykola")
    import_article(db, article)
    [row] = query(
        db,
        "SELECT origin, sha256, size, captured_at, collector, format, text, source_id FROM captures "
        "WHERE format = 'article'",
    )
    origin, sha, size, captured_at, collector, _fmt, text, source_id = row
    data = article.read_bytes()
    assert origin == str(article.resolve()) and sha == hashlib.sha256(data).hexdigest() and size == len(data)
    assert captured_at.endswith("+00:00") and collector == "mykola"
    assert text == data.decode("utf-8")
    assert query(db, "SELECT count(*) FROM sources WHERE id = ?", source_id) == [(1,)]


def test_the_cited_paragraph_is_read_from_the_kept_text(db: Path, article: Path) -> None:
    import_article(db, article)
    article.unlink()  # offline: the file is gone, its text is kept
    conn = connect.open_readonly(db)
    [(evidence_id, locator)] = conn.execute(
        "SELECT id, locator FROM evidence WHERE claim LIKE '%Huawei%' AND status = 'unreviewed'"
    ).fetchall()
    para = captures.cited_paragraph(conn, evidence_id)
    assert para is not None and f"para {para.number}" == locator
    assert para.text == "Huawei equipment was seen in Yalta and Kerch."
    # the shipped dataset cites paragraphs of an article whose text is not ours: nothing to show
    curated = conn.execute("SELECT id FROM evidence WHERE locator LIKE 'para %' AND status = 'curated'").fetchone()[0]
    assert captures.cited_paragraph(conn, curated) is None
    conn.close()
    shown = run_cli("show", "evidence", evidence_id, db=db).output
    assert "Cited" not in shown  # the claim is the paragraph itself: not shown twice


def test_a_paragraph_of_several_lines_is_cited_whole(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "long.md"
    path.write_text(
        "# Port report\n\nThe port of Sevastopol\nreceived Huawei cranes\nin May.\n\nNothing else.\n", encoding="utf-8"
    )
    import_article(db, path)
    conn = connect.open_readonly(db)
    [(evidence_id,)] = conn.execute("SELECT id FROM evidence WHERE claim LIKE '%Huawei cranes%'").fetchall()
    para = captures.cited_paragraph(conn, evidence_id)
    assert para is not None and (para.first_line, para.last_line) == (3, 5)
    assert para.text == "The port of Sevastopol\nreceived Huawei cranes\nin May."


def test_every_import_format_is_captured(db: Path, tmp_path: Path) -> None:
    yaml_file = tmp_path / "a.yaml"
    yaml_file.write_text("actors:\n  - {id: newcomer, name: Newcomer, kind: person}\n", encoding="utf-8")
    csv_file = tmp_path / "actors.csv"
    csv_file.write_text("id,name,kind\nsecond,Second,person\n", encoding="utf-8")
    assert run_cli("import", "yaml", str(yaml_file), db=db).exit_code == 0
    assert run_cli("import", "csv", str(csv_file), "--table", "actors", db=db).exit_code == 0
    rows = query(db, "SELECT format, origin, sha256, size, import_id FROM captures WHERE collector != 'dataset'")
    by_format = {r[0]: r for r in rows}
    for fmt, path in (("yaml", yaml_file), ("csv", csv_file)):
        _, origin, sha, size, import_id = by_format[fmt]
        assert (origin, sha, size) == (str(path), hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_size)
        assert query(db, "SELECT sha256 FROM imports WHERE id = ?", import_id) == [(sha,)]


def test_the_shipped_dataset_keeps_hashes_and_metadata_only(built_db: Path) -> None:
    rows = query(built_db, "SELECT origin, collector, text, size FROM captures")
    assert rows and all(o.startswith("dataset/") and c == "dataset" and t is None and s > 0 for o, c, t, s in rows)


def test_verify_passes_then_fails_after_one_byte_of_the_kept_article_changes(db: Path, article: Path) -> None:
    import_article(db, article)
    ok = run_cli("verify", db=db)
    assert ok.exit_code == 0, ok.output
    assert "0 problem(s)" in ok.output
    conn = sqlite3.connect(db)  # one byte of the kept text changed, as another tool could
    conn.execute("UPDATE captures SET text = replace(text, 'Yalta', 'Yalte') WHERE format = 'article'")
    conn.commit()
    conn.close()
    bad = run_cli("verify", db=db)
    assert bad.exit_code == 1
    assert "FAIL" in bad.output and "kept text changed" in bad.output


def test_verify_reports_a_changed_and_a_missing_file(db: Path, article: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("actors:\n  - {id: newcomer, name: Newcomer, kind: person}\n", encoding="utf-8")
    import_article(db, article)
    assert run_cli("import", "yaml", str(other), db=db).exit_code == 0
    article.write_bytes(article.read_bytes().replace(b"May", b"Mai"))
    other.unlink()
    result = run_cli("verify", "--json", db=db)
    assert result.exit_code == 1
    report = json.loads(result.output)
    states = {Path(s["origin"]).name: (s["file"], s["text"]) for s in report["sources"]}
    assert states["notes.txt"] == ("changed", "ok") and states["other.yaml"] == ("missing", None)
    assert not report["ok"]
    # a missing file alone is reported, and fails only with --strict
    article.write_bytes(ARTICLE.read_bytes())
    gone = run_cli("verify", db=db)
    assert gone.exit_code == 0 and "gone" in gone.output and "1 file(s) missing" in gone.output
    assert run_cli("verify", "--strict", db=db).exit_code == 1


def test_verify_never_writes(db: Path, article: Path) -> None:
    import_article(db, article)
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    assert run_cli("verify", db=db).exit_code == 0
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest


def test_verify_never_reads_a_fifo_a_device_or_a_directory(db: Path, tmp_path: Path) -> None:
    """A QA run: a database whose capture path was /dev/zero (or a FIFO) made `findings verify` run until
    killed. Such a path is named as what it is and not read."""
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    conn = sqlite3.connect(db)
    for origin in ("/dev/zero", str(fifo), str(tmp_path)):
        conn.execute(
            "INSERT INTO captures (import_id, origin, sha256, size, captured_at, collector, format) "
            "VALUES (1, ?, 'ab', 1, '2026-01-01', 'qa', 'yaml')",
            (origin,),
        )
    conn.commit()
    conn.close()
    result = run_cli("verify", db=db)  # (would never return before)
    assert "/dev/zero is a character device, not a regular file: not read" in result.output
    assert f"{fifo} is a FIFO (named pipe), not a regular file: not read" in result.output
    assert f"{tmp_path} is a directory, not a regular file: not read" in result.output
