"""A merge that waits for a person: the records a sync found changed on both sides, each decided (ours, theirs or
an edited version), and the merge finished after the last decision (the merged tree built into your database, each
decision recorded in the history under the name of who decided).

The one implementation behind `findings sync` (cli/sync.py: it stops a merge, lists the conflicts, `--resolve`)
and review mode's conflicts screen (tui/screens/review_conflicts.py). Nothing is half-merged: until the last
record is decided your database is never touched, and it keeps serving the last good state. git runs in the data
repository (store.gitrepo); what a decision keeps is written there and staged; the decisions wait in `.git/` until
the merge is finished. Messages for a person go through `say` (the command prints them, the explorer shows them).
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from store.errors import DataError, StoreError
from store.gitrepo import PRIVATE, Git

if TYPE_CHECKING:
    import sqlite3

REPO_ENV = "FINDINGS_REPO"
DECISIONS = "findings-decisions"  # in .git/: what was kept, recorded in the history when the merge ends
DB_STATE = "findings-database-state"  # in .git/: your database as the merge found it (size, modification time)
CHOICES = ("ours", "theirs", "edited")
_KINDS = {"evidence": "evidence", "actors": "actor", "regions": "region", "sources": "source", "relations": "relation"}
NO_RECORD = "(record)"  # the field of a conflict where one side deleted the record
RAW_TEXT = "(text)"  # the field of a file that does not read as one record

Say = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


class ConflictError(StoreError):
    """A decision that cannot be taken (no merge, an unknown record, an edited version that does not read)."""


@dataclass(frozen=True)
class Conflict:
    """One record (or file) both sides changed: its two versions, as git's index holds them (None: that side has
    no file, it deleted the record)."""

    path: str
    kind: str  # evidence, actor, region, source, relation, gazetteer, file
    record: str
    ours: dict[str, object] | None
    theirs: dict[str, object] | None
    ours_text: str | None
    theirs_text: str | None

    @property
    def label(self) -> str:
        return f"{self.kind} {self.record}"

    @property
    def fields(self) -> list[tuple[str, object, object]]:
        """(field, ours, theirs) for each field that differs; one NO_RECORD row when a side has no record."""
        if self.ours is None or self.theirs is None:
            return [(NO_RECORD, "kept" if self.ours else "deleted", "kept" if self.theirs else "deleted")]
        return [(k, self.ours.get(k), self.theirs.get(k)) for k in self.names if self.ours.get(k) != self.theirs.get(k)]

    @property
    def names(self) -> list[str]:
        """Every field of either version: ours in their order, then those only theirs has."""
        ours, theirs = self.ours or {}, self.theirs or {}
        return [*ours, *(k for k in theirs if k not in ours)]


@dataclass(frozen=True)
class Decision:
    kind: str
    record: str
    choice: str
    left: int  # records still to decide

    @property
    def message(self) -> str:
        return f"{self.kind} {self.record}: kept {self.choice}" + (
            f"; {self.left} still to decide" if self.left else ""
        )


def record_of(path: str) -> tuple[str, str]:
    """(kind, id) of a tree path: evidence/<source>/<id>.yaml -> ('evidence', id)."""
    parts = path.split("/")
    stem = parts[-1].removesuffix(".yaml")
    if parts[0] in _KINDS and path.endswith(".yaml"):
        return _KINDS[parts[0]], stem
    if parts[0] == "gazetteer":
        return "gazetteer", stem
    return "file", path


def read_record(text: str | None) -> dict[str, object] | None:
    """The one record of a tree file (its mapping), or None when that side has no file."""
    if text is None:
        return None
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return {RAW_TEXT: text}
    if isinstance(doc, dict) and len(doc) == 1:
        items = next(iter(doc.values()))
        if isinstance(items, list) and len(items) == 1 and isinstance(items[0], dict):
            return dict(items[0])
        return {"items": items}
    return {RAW_TEXT: text}


# ------------------------------------------------------------------------------------------ what waits


def waiting_merge(repo: Path, who: str, target: Path | None = None) -> Git | None:
    """The data repository at `repo` if a merge in it waits for decisions (git in it, as `who`), else None: no
    repository there, one that is not a data repository, or no merge in progress."""
    from store.tree import MARKER

    if not (repo / ".git").exists() or not (repo / MARKER).exists():
        return None
    git = Git(repo.absolute(), who, target)
    return git if git.merging() else None


def conflicts(git: Git) -> list[Conflict]:
    """The records the merge in progress could not merge, each with both versions, in git's order."""
    out = []
    for path in git.unmerged():
        kind, record = record_of(path)
        ours_text, theirs_text = git.stage(path, 2), git.stage(path, 3)
        out.append(
            Conflict(path, kind, record, read_record(ours_text), read_record(theirs_text), ours_text, theirs_text)
        )
    return out


def merge_label(git: Git) -> str | None:
    """Where the other side came from (`from-olena.bundle`, a remote), as the merge's message names it."""
    try:
        first = (git.repo / ".git" / "MERGE_MSG").read_text(encoding="utf-8").splitlines()[0]
    except (OSError, IndexError):
        return None
    if not first.startswith("Merge from "):
        return None
    return first.removeprefix("Merge from ").strip() or None


def db_state(target: Path) -> str:
    try:
        st = target.stat()
    except FileNotFoundError:
        return "missing"
    return f"{st.st_size} {st.st_mtime_ns}"


def remember_database(git: Git, target: Path) -> None:
    """The merge has just stopped: note the database as it is, so that finishing can tell it changed meanwhile."""
    (git.repo / ".git" / DB_STATE).write_text(db_state(target), encoding="utf-8")


def _check_database_unchanged(git: Git, target: Path) -> None:
    state = git.repo / ".git" / DB_STATE
    if state.exists() and state.read_text(encoding="utf-8") != db_state(target):
        raise ConflictError(
            "your database changed while the merge waited, and the merged tree does not hold those changes: "
            "findings sync --abort, then sync again (your changes are committed first, and the same records "
            "will ask to be decided again)"
        )


def abort(git: Git) -> None:
    """Give up the merge in progress: the repository as it was before it (the database was never changed)."""
    if not git.merging():
        raise ConflictError("no merge in progress")
    git.run("merge", "--abort")
    for name in (DECISIONS, DB_STATE):
        with contextlib.suppress(FileNotFoundError):
            (git.repo / ".git" / name).unlink()


# ------------------------------------------------------------------------------------------ deciding


def decide(git: Git, record: str, choice: str, target: Path, *, text: str | None = None) -> Decision:
    """Keep `choice` of the conflicting `record` (its id or its path): 'ours', 'theirs', or 'edited' (`text`, or
    the file as the person left it in the repository). Staged and noted; the database is not touched (`finish`,
    once none is left). The last decision is refused if the database changed since the merge stopped."""
    if choice not in CHOICES:
        raise ConflictError(f"{record}: keep ours, theirs or edited, not {choice!r}")
    if not git.merging():
        raise ConflictError("no merge in progress: nothing to resolve")
    unmerged = git.unmerged()
    matches = [p for p in unmerged if record_of(p)[1] == record or p == record]
    if not matches:
        waiting = ", ".join(record_of(p)[1] for p in unmerged) or "none"
        raise ConflictError(f"{record} is not among the conflicts (waiting: {waiting})")
    path = matches[0]
    if len(unmerged) == 1:
        _check_database_unchanged(git, target)  # before the last one is staged, so it can still be decided later
    stage = {"ours": 2, "theirs": 3}.get(choice)
    if stage is not None:
        kept = git.stage(path, stage)
        if kept is None:
            git.run("rm", "-q", "--", path)
        else:
            (git.repo / path).write_text(kept, encoding="utf-8")
            git.run("add", "--", path)
    else:
        if text is not None:
            check_edited_text(text, path)
            (git.repo / path).write_text(text, encoding="utf-8")
        else:
            check_edited(git.repo / path, path)
        git.run("add", "--", path)
    kind, ident = record_of(path)
    with (git.repo / ".git" / DECISIONS).open("a", encoding="utf-8") as f:
        f.write(f"{kind}\t{ident}\t{choice}\n")
    return Decision(kind, ident, choice, len(git.unmerged()))


def check_edited(path: Path, tree_path: str) -> None:
    """The version a person wrote in the repository's file reads as the one record it must be."""
    if not path.is_file():
        raise ConflictError(f"{path} is not there: write the version to keep, or choose ours or theirs")
    text = path.read_text(encoding="utf-8", errors="replace")
    if "<<<<<<<" in text or ">>>>>>>" in text:
        raise ConflictError(f"{path} still holds conflict markers")
    _check_reads(path, text, tree_path)


def check_edited_text(text: str, tree_path: str) -> None:
    """An edited version (typed in the explorer) reads as the one record of `tree_path`; ConflictError if not."""
    name = tree_path.rsplit("/", 1)[-1]
    if "<<<<<<<" in text or ">>>>>>>" in text or "\n=======\n" in f"\n{text}":
        raise ConflictError(f"the edited version of {name} still holds conflict markers")
    with tempfile.TemporaryDirectory(prefix="findings-edited-") as work:
        path = Path(work) / name
        path.write_text(text, encoding="utf-8")
        _check_reads(path, text, tree_path)


def _check_reads(path: Path, text: str, tree_path: str) -> None:
    from importers.native import read_native

    try:
        read_native(path, "yaml")
    except DataError as e:
        raise ConflictError(f"the edited version does not read: {e}") from None
    kind, ident = record_of(tree_path)
    if kind in ("gazetteer", "file"):
        return
    record = read_record(text) or {}
    if RAW_TEXT in record or "items" in record:
        raise ConflictError(f"the edited version must hold one record, the {kind} {ident}")
    if kind == "relation":
        found = f"{record.get('subject')}--{record.get('kind')}--{record.get('object')}"
    else:
        found = str(record.get("id"))
    if found != ident:
        raise ConflictError(f"the edited version is {kind} {found}, not {ident}: keep its id")


def decisions(git: Git) -> list[tuple[str, str, str]]:
    """(kind, id, choice) of each record decided so far in the merge in progress, in the order decided."""
    path = git.repo / ".git" / DECISIONS
    out = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        kind, ident, choice = line.split("\t")
        out.append((kind, ident, choice))
    return out


def finish(git: Git, target: Path, *, say: Say = _quiet) -> None:
    """Every record is decided: commit the merge, build the merged tree into your database (a new file renamed
    over it when complete) with each decision in the history, then commit that history."""
    if git.unmerged():
        raise ConflictError(f"{len(git.unmerged())} records still to decide")
    _check_database_unchanged(git, target)
    say("committing the merge")
    git.run("commit", "-q", "--no-edit")
    with contextlib.suppress(FileNotFoundError):
        (git.repo / ".git" / DB_STATE).unlink()
    rebuild(git, target, decisions=decisions(git), say=say)
    (git.repo / ".git" / DECISIONS).unlink(missing_ok=True)
    commit_local(git, target, say=say)  # the decisions, now in the history


# ------------------------------------------------------------------------------------ the tree and the database


# The first commit of every data repository: the shipped data, written the same way everywhere (same bytes,
# author and date), so that it is the same commit in every clone made with the same release, and what each
# researcher changed in the shipped findings merges against it instead of meeting as two unrelated versions.
BASE_ENV = {
    "GIT_AUTHOR_NAME": "findings",
    "GIT_COMMITTER_NAME": "findings",
    "GIT_AUTHOR_EMAIL": "dataset@findings.invalid",
    "GIT_COMMITTER_EMAIL": "dataset@findings.invalid",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
}


def _write_tree(git: Git, conn: sqlite3.Connection) -> None:
    """The database of `conn` as the repository's tree (its sensitive records in the private folder); closes it."""
    from store.tree import export_split

    try:
        export_split(conn, git.repo, git.repo / PRIVATE)
    finally:
        conn.close()
    git.run("add", "-A", "--", ".")


def _base_commit(git: Git) -> None:
    from store.paths import shipped_db
    from store.reference import open_shipped

    shipped = shipped_db()
    if not shipped.is_file():
        return
    _write_tree(git, open_shipped(shipped))
    git.run("-c", "user.name=findings", "commit", "-q", "-m", "The shipped dataset", extra_env=BASE_ENV)


def commit_local(git: Git, target: Path, *, say: Say = _quiet) -> None:
    """Write your database to the tree and commit what changed, with you as the author."""
    from store.connect import open_readonly

    if not git.has_commits():
        _base_commit(git)
    if target.exists():
        _write_tree(git, open_readonly(target))
    else:
        git.run("add", "-A", "--", ".")
    status = git.out("diff", "--cached", "--name-status", "--no-renames")
    if not status.strip():
        return
    message = summary(status, who=git.who)
    git.run("commit", "-q", "-m", message)
    say(f"committed: {message.splitlines()[0]}")


def summary(name_status: str, *, who: str) -> str:
    counts: dict[tuple[str, str], int] = {}
    for line in name_status.splitlines():
        status, _, path = line.partition("\t")
        kind, _ = record_of(path)
        if kind == "file":
            continue
        what = {"A": "added", "M": "changed", "D": "removed"}.get(status[:1], "changed")
        counts[(kind, what)] = counts.get((kind, what), 0) + 1
    history = sum(1 for line in name_status.splitlines() if "\thistory/" in line)
    parts = [f"{n} {kind} {what}" for (kind, what), n in sorted(counts.items())]
    head = ", ".join(parts) or f"{history} recorded changes"
    return f"{head}\n\nBy {who} with findings sync ({history} recorded changes)."


def rebuild(git: Git, target: Path, *, decisions: list[tuple[str, str, str]] | None = None, say: Say = _quiet) -> None:
    """Build the merged tree into a new database beside `target`, with what the old one kept locally, and the
    decisions of a conflict recorded; rename it over `target` only when all of it succeeded."""
    from importers.build import build_database
    from store.carry import carry_local
    from store.tree import MARKER

    if not (git.repo / MARKER).exists():
        return  # nothing shared yet, and nothing of yours
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".sync", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        private = git.repo / PRIVATE
        say("building your database from the merged tree")
        build_database(tmp, git.repo, force=True, also=(private,) if private.is_dir() else ())
        if target.exists():
            say("carrying over what stays local (imports, captured texts, FtM relations and ids, proposals)")
            carry_local(tmp, target)
        if decisions:
            say("recording the decisions in the history")
            _write_decisions(tmp, decisions, git.who)
        os.replace(tmp, target)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{tmp}{suffix}").unlink()
    say(f"rebuilt {target}")


def _write_decisions(path: Path, decided: list[tuple[str, str, str]], who: str) -> None:
    from store import write
    from store.connect import open_readwrite
    from store.tree_history import record_decisions

    conn = open_readwrite(path)
    try:
        write.begin(conn)
        try:
            notes = [
                (k, i, f"sync conflict decided: kept {c}") for k, i, c in decided if k not in ("gazetteer", "file")
            ]
            record_decisions(conn, notes, who=who)
            write.commit(conn)
        except BaseException:
            write.rollback(conn)
            raise
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------ the edited version


def editable_text(conflict: Conflict) -> str:
    """A version to edit: ours (theirs when we deleted the record), one field per line, with theirs in a comment
    under each field that differs. Every value is written double-quoted where it is text, with the characters
    of store.text's table as escapes (\\u202e), so the editor shows no control or invisible character as it is;
    the file reads back to the same values."""
    base = conflict.ours if conflict.ours is not None else conflict.theirs
    other = conflict.theirs if conflict.ours is not None else None
    if base is None or RAW_TEXT in base or "items" in base:
        return conflict.ours_text or conflict.theirs_text or ""
    document = _document_key(conflict.ours_text or conflict.theirs_text or "") or conflict.path.split("/")[0]
    side = "ours" if conflict.ours is not None else "theirs (ours deleted it)"
    lines = [
        f"# {conflict.label}: {side}, with theirs in a comment under each field that differs.",
        "# Change what you keep; lines starting with # are left out. Ctrl+S keeps this version, Esc goes back.",
        f"{document}:",
    ]
    names = list(base) + [k for k in (other or {}) if k not in base]
    for n, name in enumerate(names):
        lead = "- " if n == 0 else "  "
        if name in base:
            lines.append(f"{lead}{name}: {yaml_value(base[name])}")
            if other is not None and other.get(name) != base[name]:
                theirs = yaml_value(other[name]) if name in other else "(theirs has no such field)"
                lines.append(f"  # theirs: {theirs}")
        elif other is not None:
            lines.append(f"  # {name}: {yaml_value(other[name])}   (only theirs has it)")
    return "\n".join(lines) + "\n"


def _document_key(text: str) -> str | None:
    for line in text.splitlines():
        if line and not line.startswith((" ", "#", "-")) and line.rstrip().endswith(":"):
            return line.rstrip()[:-1]
    return None


def yaml_value(value: object) -> str:
    """One value as YAML on one line: text double-quoted (JSON's escapes, which YAML reads, and \\u / \\U for the
    characters of store.text's table), lists and mappings in flow style."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else {"inf": ".inf", "-inf": "-.inf"}.get(repr(value), ".nan")
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{yaml_value(str(k))}: {yaml_value(v)}" for k, v in value.items()) + "}"
    return _quoted(value.isoformat() if hasattr(value, "isoformat") else str(value))


def _quoted(text: str) -> str:
    from store.text import in_table

    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif in_table(ch) or not ch.isprintable():
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def short(value: object, limit: int = 60, *, other: object = None) -> str:
    """A value on one line for a list of conflicts (store.text's visible forms; cut at `limit` characters). With
    `other` (the other side's value), a long value is cut around where the two first differ, so that two claims
    differing at their ends do not both read as the same first 60 characters."""
    from store.text import printable

    if value is None:
        return "(none)"
    text = printable(" ".join(str(value).split()))
    if len(text) <= limit:
        return text
    start = 0
    if other is not None:
        theirs = printable(" ".join(str(other).split()))
        same = min(len(text), len(theirs))
        first = next((i for i, (a, b) in enumerate(zip(text, theirs, strict=False)) if a != b), same)
        if first > limit - 20:
            start = first - 20  # some words before the difference, then it
    if start:
        rest = text[start:]
        return "…" + (rest if len(rest) <= limit - 1 else rest[: limit - 2] + "…")
    return text[: limit - 1] + "…"
