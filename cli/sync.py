"""`findings sync [REMOTE|BUNDLE]`: share findings with colleagues through a git data repository.

One sync: your database is written to the repository's tree (sensitive records to its private folder, which is
never committed), committed with you as the author, merged with what the remote or bundle holds, and your
database rebuilt from the merged tree (into a temporary file, renamed over it only when complete). A record both
sides changed stops the sync with the list of conflicts; your database keeps serving the last good state until
a person decides each (`--resolve ID ours|theirs|edited`), and the decision is recorded in the history.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.gitrepo import BRANCH, PRIVATE, Git, GitError, init
from cli.options import Command, db_option, given_db, reviewer_option
from store.errors import DataError, StoreError

if TYPE_CHECKING:
    import sqlite3

REPO_ENV = "FINDINGS_REPO"
DECISIONS = "findings-decisions"  # in .git/: what --resolve kept, recorded in the history when the merge ends
DB_STATE = "findings-database-state"  # in .git/: your database as the merge found it (size, modification time)
CHOICES = ("ours", "theirs", "edited")
_KINDS = {"evidence": "evidence", "actors": "actor", "regions": "region", "sources": "source", "relations": "relation"}


@dataclass(frozen=True)
class Conflict:
    path: str
    kind: str  # evidence, actor, region, source, relation, gazetteer, file
    record: str
    fields: list[tuple[str, object, object]]  # (field, ours, theirs) where both versions exist

    @property
    def label(self) -> str:
        return f"{self.kind} {self.record}"


def record_of(path: str) -> tuple[str, str]:
    """(kind, id) of a tree path: evidence/<source>/<id>.yaml -> ('evidence', id)."""
    parts = path.split("/")
    stem = parts[-1].removesuffix(".yaml")
    if parts[0] in _KINDS and path.endswith(".yaml"):
        return _KINDS[parts[0]], stem
    if parts[0] == "gazetteer":
        return "gazetteer", stem
    return "file", path


@click.command("sync", cls=Command)
@click.argument("source", required=False, metavar="[REMOTE|BUNDLE]")
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=REPO_ENV,
    help=f"The data repository (default: ${REPO_ENV}, else the current directory).",
)
@reviewer_option()
@click.option("--push", is_flag=True, help="Push to the remote after a clean merge.")
@click.option(
    "--bundle",
    "bundle_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the commits the other side lacks to this file (git bundle), for a USB stick or a messenger.",
)
@click.option("--full", is_flag=True, help="With --bundle: every commit, for someone who has none of them.")
@click.option("--only", "only", metavar="QUERY", help="With --bundle: share only the findings QUERY matches.")
@click.option("--include-sensitive", is_flag=True, help="With --only: sensitive records of the subset go too.")
@click.option("--resolve", "resolve", metavar="ID", help="Decide a conflict: --resolve ID ours|theirs|edited.")
@click.option("--abort", is_flag=True, help="Give up the merge in progress (your database was never changed).")
@db_option(help="Your database (default: your own, where imports go).")
@click.pass_context
def sync(
    ctx: click.Context,
    source: str | None,
    repo: Path | None,
    reviewer: str | None,
    push: bool,
    bundle_out: Path | None,
    full: bool,
    only: str | None,
    include_sensitive: bool,
    resolve: str | None,
    abort: bool,
    db: Path | None,
) -> None:
    """Share findings through a git data repository: commit yours, merge theirs, rebuild your database.

    REMOTE is any git URL or path (ssh://host/team.git, /media/usb/team.git, a bare hub); BUNDLE a file that
    `findings sync --bundle` wrote. Without either, the repository's remote (origin) is used, if it has one.
    The first sync makes the repository (git init) and remembers REMOTE as origin. Commits name you as their
    author (--reviewer, $FINDINGS_REVIEWER, else your login name). Sensitive findings and sources never enter
    the repository's history: they stay in its private folder, and in your database.

    A record both sides changed is a conflict: sync stops and lists them, with what differs; your database
    keeps the last good state. Decide each with `--resolve ID ours`, `theirs`, or `edited` (after editing the
    file in the repository); the last decision finishes the merge and rebuilds the database.

    \b
    Examples:
      findings sync --repo ~/team /media/usb/team.git --push
      findings sync --repo ~/team --bundle to-olena.bundle
      findings sync --repo ~/team from-taras.bundle
      findings sync --repo ~/team --resolve bank-branches-sell-yuan theirs
      findings sync --repo ~/team --bundle kherson.bundle --only "region:kherson"
    """
    from store.review import reviewer as decide_reviewer

    who = decide_reviewer(reviewer)
    directory = (repo or Path.cwd()).absolute()
    try:
        if include_sensitive and not only:
            raise click.UsageError(
                "sensitive records would stay in the shared history for good: share them only as a subset, "
                "with --bundle FILE --only QUERY --include-sensitive"
            )
        if (only or full) and not bundle_out:
            raise click.UsageError("--only and --full go with --bundle FILE")
        if not (directory / ".git").exists():
            from store.tree import check_target

            check_target(directory)  # never make a repository of a folder that holds anything else
            git = init(directory, who)
        else:
            git = Git(directory, who)
        target = _database(ctx)
        git.target = target
        if abort:
            _abort(git)
            return
        if resolve is not None:
            if source not in CHOICES:
                raise click.UsageError(f"--resolve {resolve} needs what to keep: ours, theirs or edited")
            _resolve(git, resolve, source, target, push)
            return
        if git.merging():
            _stop_with_conflicts(git, pending=True)
        _commit_local(git, target)
        before = _head(git)
        if source is not None or _has_origin(git):
            label, fetched = _fetch(git, source)
            if fetched is not None:
                _merge(git, fetched, label)
        if _head(git) != before or not target.exists():
            _rebuild(git, target)
        else:
            click.echo("nothing new to merge: your database is up to date", err=True)
        if push:
            _push(git, source)
        if bundle_out is not None:
            if only:
                _bundle_subset(git, target, bundle_out, only, include_sensitive)
            else:
                _bundle(git, bundle_out, full=full)
    except (GitError, StoreError) as e:
        raise click.ClickException(str(e)) from None


# ------------------------------------------------------------------------------------------------- the steps


def _database(ctx: click.Context) -> Path:
    from store.paths import writing_db

    target = writing_db(given_db(ctx))
    if target is None:
        raise click.ClickException("no home directory for your database: give --db PATH or set FINDINGS_HOME")
    return target


def _head(git: Git) -> str | None:
    done = git.run("rev-parse", "--verify", "-q", "HEAD", check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def _has_origin(git: Git) -> bool:
    return "origin" in git.out("remote").split()


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


def _commit_local(git: Git, target: Path) -> None:
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
    message = _summary(status, who=git.who)
    git.run("commit", "-q", "-m", message)
    click.echo(f"committed: {message.splitlines()[0]}", err=True)


def _summary(name_status: str, *, who: str) -> str:
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


def _is_bundle(source: str) -> bool:
    path = Path(source)
    if not path.is_file():
        return False
    with path.open("rb") as f:
        return f.read(16).startswith((b"# v2 git bundle", b"# v3 git bundle"))


def _fetch(git: Git, source: str | None) -> tuple[str, str | None]:
    """Fetch the other side's branch; returns (label, commit) or (label, None) when it has nothing yet."""
    if source is not None and _is_bundle(source):
        heads = [line.split() for line in git.out("bundle", "list-heads", str(Path(source).absolute())).splitlines()]
        heads = [h for h in heads if len(h) == 2]
        if not heads:
            raise GitError(f"{source} holds no branch to merge")
        ref = next((r for _, r in heads if r == f"refs/heads/{BRANCH}"), heads[0][1])
        done = git.run("fetch", "-q", str(Path(source).absolute()), ref, check=False)
        if done.returncode != 0:
            if "prerequisite" in done.stderr or "lacks" in done.stderr:
                raise GitError(
                    f"{source} continues commits this repository does not have yet: ask for a full bundle "
                    "(findings sync --bundle FILE --full), or sync with the hub first"
                )
            raise GitError(f"cannot read {source}: {done.stderr.strip()}")
        commit = git.out("rev-parse", "FETCH_HEAD").strip()
        git.run("update-ref", f"refs/findings/peers/{commit[:12]}", commit)  # what the sender has
        return Path(source).name, commit
    if source is not None and not _has_origin(git):
        git.run("remote", "add", "origin", _url(source))
    remote = "origin" if source is None or _url(source) == _origin_url(git) else _url(source)
    done = git.run("fetch", "-q", remote, BRANCH, check=False)
    if done.returncode != 0:
        if "couldn't find remote ref" in done.stderr or "no such ref" in done.stderr.lower():
            return remote, None  # an empty hub: nothing to merge yet
        raise GitError(f"cannot fetch from {remote}: {done.stderr.strip()}")
    commit = git.out("rev-parse", "FETCH_HEAD").strip()
    if remote == "origin":
        git.run("update-ref", f"refs/remotes/origin/{BRANCH}", commit)
    return remote, commit


def _url(source: str) -> str:
    """A remote as git takes it: a local path made absolute (so the repository can be used from anywhere)."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", source) or re.match(r"^[^/]+@[^:/]+:", source):
        return source
    return str(Path(source).absolute())


def _origin_url(git: Git) -> str | None:
    done = git.run("remote", "get-url", "origin", check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def _merge(git: Git, commit: str, label: str) -> None:
    if not git.has_commits():
        git.run("reset", "-q", "--hard", commit)
        click.echo(f"took {label}: the repository had no commits of its own", err=True)
        return
    done = git.run(
        "merge", "-q", "--no-edit", "--allow-unrelated-histories", "-m", f"Merge from {label}", commit, check=False
    )
    if done.returncode == 0:
        click.echo(f"merged {label}", err=True)
        return
    if not git.unmerged():
        raise GitError(f"git merge failed: {(done.stderr or done.stdout).strip()}")
    _stop_with_conflicts(git, pending=False)


def _conflicts(git: Git) -> list[Conflict]:
    out = []
    for path in git.unmerged():
        kind, record = record_of(path)
        ours, theirs = _record(git.stage(path, 2)), _record(git.stage(path, 3))
        fields: list[tuple[str, object, object]] = []
        if ours is not None and theirs is not None:
            for key in [*ours, *(k for k in theirs if k not in ours)]:
                if ours.get(key) != theirs.get(key):
                    fields.append((key, ours.get(key), theirs.get(key)))
        else:
            fields.append(("(record)", "kept" if ours else "deleted", "kept" if theirs else "deleted"))
        out.append(Conflict(path, kind, record, fields))
    return out


def _record(text: str | None) -> dict[str, object] | None:
    """The one record of a tree file (its mapping), or None when that side has no file."""
    if text is None:
        return None
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return {"(text)": text}
    if isinstance(doc, dict) and len(doc) == 1:
        items = next(iter(doc.values()))
        if isinstance(items, list) and len(items) == 1 and isinstance(items[0], dict):
            return dict(items[0])
        return {"items": items}
    return {"(text)": text}


def _stop_with_conflicts(git: Git, *, pending: bool) -> None:
    from store.text import printable

    conflicts = _conflicts(git)
    if not conflicts:
        return
    if not pending and git.target is not None:
        (git.repo / ".git" / DB_STATE).write_text(_db_state(git.target), encoding="utf-8")
    head = "a merge waits for decisions" if pending else "the merge stopped"
    lines = [f"{head}: {len(conflicts)} record{'s' if len(conflicts) != 1 else ''} changed on both sides:"]
    for c in conflicts:
        lines.append(f"  {printable(c.label)}  ({printable(c.path)})")
        for field, ours, theirs in c.fields[:6]:
            lines.append(f"      {printable(field)}: ours {_short(ours)} | theirs {_short(theirs)}")
    lines.append("your database still holds the last good state. Decide each:")
    lines.append("  findings sync --resolve ID ours|theirs|edited   (edited: fix the file in the repository first)")
    lines.append("or give up the merge: findings sync --abort")
    click.echo("\n".join(lines), err=True)
    sys.exit(1)


def _short(value: object) -> str:
    from store.text import printable

    text = printable(" ".join(str(value).split())) if value is not None else "(none)"
    return text if len(text) <= 60 else text[:59] + "…"


def _db_state(target: Path) -> str:
    try:
        st = target.stat()
    except FileNotFoundError:
        return "missing"
    return f"{st.st_size} {st.st_mtime_ns}"


def _abort(git: Git) -> None:
    if not git.merging():
        raise click.ClickException("no merge in progress")
    git.run("merge", "--abort")
    for name in (DECISIONS, DB_STATE):
        with contextlib.suppress(FileNotFoundError):
            (git.repo / ".git" / name).unlink()
    click.echo("merge given up; the repository is as it was before it", err=True)


def _resolve(git: Git, record: str, choice: str, target: Path, push: bool) -> None:
    if not git.merging():
        raise click.ClickException("no merge in progress: nothing to resolve")
    matches = [p for p in git.unmerged() if record_of(p)[1] == record or p == record]
    if not matches:
        waiting = ", ".join(record_of(p)[1] for p in git.unmerged()) or "none"
        raise click.ClickException(f"{record} is not among the conflicts (waiting: {waiting})")
    path = matches[0]
    stage = {"ours": 2, "theirs": 3}.get(choice)
    if stage is not None:
        text = git.stage(path, stage)
        if text is None:
            git.run("rm", "-q", "--", path)
        else:
            (git.repo / path).write_text(text, encoding="utf-8")
            git.run("add", "--", path)
    else:
        _check_edited(git.repo / path)
        git.run("add", "--", path)
    kind, ident = record_of(path)
    with (git.repo / ".git" / DECISIONS).open("a", encoding="utf-8") as f:
        f.write(f"{kind}\t{ident}\t{choice}\n")
    left = git.unmerged()
    click.echo(f"{kind} {ident}: kept {choice}" + (f"; {len(left)} still to decide" if left else ""), err=True)
    if left:
        return
    state = git.repo / ".git" / DB_STATE
    if state.exists() and state.read_text(encoding="utf-8") != _db_state(target):
        raise click.ClickException(
            "your database changed while the merge waited, and the merged tree does not hold those changes: "
            "findings sync --abort, then sync again (your changes are committed first, and the same records "
            "will ask to be decided again)"
        )
    git.run("commit", "-q", "--no-edit")
    with contextlib.suppress(FileNotFoundError):
        state.unlink()
    _rebuild(git, target, decisions=_decisions(git))
    (git.repo / ".git" / DECISIONS).unlink()
    _commit_local(git, target)  # the decisions, now in the history
    if push and _has_origin(git):
        _push(git, None)


def _check_edited(path: Path) -> None:
    from importers.native import read_native

    if not path.is_file():
        raise click.ClickException(f"{path} is not there: write the version to keep, or choose ours or theirs")
    text = path.read_text(encoding="utf-8", errors="replace")
    if "<<<<<<<" in text or ">>>>>>>" in text:
        raise click.ClickException(f"{path} still holds conflict markers")
    try:
        read_native(path, "yaml")
    except DataError as e:
        raise click.ClickException(f"the edited version does not read: {e}") from None


def _decisions(git: Git) -> list[tuple[str, str, str]]:
    path = git.repo / ".git" / DECISIONS
    out = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        kind, ident, choice = line.split("\t")
        out.append((kind, ident, choice))
    return out


def _rebuild(git: Git, target: Path, *, decisions: list[tuple[str, str, str]] | None = None) -> None:
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
        build_database(tmp, git.repo, force=True, also=(private,) if private.is_dir() else ())
        if target.exists():
            carry_local(tmp, target)
        if decisions:
            _write_decisions(tmp, decisions, git.who)
        os.replace(tmp, target)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{tmp}{suffix}").unlink()
    click.echo(f"rebuilt {target}", err=True)


def _write_decisions(path: Path, decisions: list[tuple[str, str, str]], who: str) -> None:
    from store import write
    from store.connect import open_readwrite
    from store.tree_history import record_decisions

    conn = open_readwrite(path)
    try:
        write.begin(conn)
        try:
            decided = [
                (k, i, f"sync conflict decided: kept {c}") for k, i, c in decisions if k not in ("gazetteer", "file")
            ]
            record_decisions(conn, decided, who=who)
            write.commit(conn)
        except BaseException:
            write.rollback(conn)
            raise
    finally:
        conn.close()


def _push(git: Git, source: str | None) -> None:
    if source is not None and _is_bundle(source):
        source = None
    remote = "origin" if source is None or _url(source) == _origin_url(git) else _url(source)
    if remote == "origin" and not _has_origin(git):
        raise click.ClickException("nowhere to push: give REMOTE, or sync with one first")
    done = git.run("push", "-q", remote, f"{BRANCH}:{BRANCH}", check=False)
    if done.returncode != 0:
        if "rejected" in done.stderr or "fetch first" in done.stderr:
            raise click.ClickException("the remote has commits you have not merged yet: sync again, then push")
        raise GitError(f"git push failed: {done.stderr.strip()}")
    click.echo(f"pushed to {remote}", err=True)


def _bundle(git: Git, out: Path, *, full: bool) -> None:
    if not git.has_commits():
        raise click.ClickException("nothing to bundle: the repository has no commits yet")
    peers = [] if full else git.out("for-each-ref", "--format=%(objectname)", "refs/findings/peers/").split()
    exclude = [f"^{p}" for p in peers]
    if exclude and not git.out("rev-list", "--max-count=1", BRANCH, *exclude).strip():
        click.echo(
            f"no bundle written: the other side already has every commit (it sent them to you in a bundle); "
            f"--full writes them all to {out}",
            err=True,
        )
        return
    _write_bundle(git, out, [BRANCH, *exclude])


def _write_bundle(git: Git, out: Path, revs: list[str]) -> None:
    out = out.absolute()
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    os.unlink(name)  # git bundle create writes the file itself
    try:
        git.run("bundle", "create", "-q", name, *revs)
        os.replace(name, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
    n = len(git.out("rev-list", *revs).split())
    click.echo(f"wrote {out} ({out.stat().st_size:,} bytes, {n} commit{'s' if n != 1 else ''})", err=True)


def _bundle_subset(git: Git, target: Path, out: Path, query: str, include_sensitive: bool) -> None:
    """A commit of only the findings `query` matches (and what they need), on a branch of its own that each
    share of the same query continues, so a partner merging it twice sees only what changed since."""
    from store.connect import open_readonly
    from store.tree import TreeSelection, export_tree

    slug = re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-")[:40] or "subset"
    ref = f"refs/findings/shares/{slug}"
    work = Path(tempfile.mkdtemp(prefix="findings-share-"))
    try:
        conn = open_readonly(target)
        try:
            counts = export_tree(conn, work / "tree", TreeSelection(include_sensitive=include_sensitive), query=query)
        finally:
            conn.close()
        shutil.copyfile(git.repo / ".gitattributes", work / "tree" / ".gitattributes")
        index = {"GIT_INDEX_FILE": str(work / "index")}
        git.run("--work-tree", str(work / "tree"), "add", "-A", "--", ".", extra_env=index)
        tree = git.run("write-tree", extra_env=index).stdout.strip()
        parent = git.run("rev-parse", "--verify", "-q", ref, check=False).stdout.strip()
        args = ["commit-tree", tree, "-m", f"Findings matching {query!r}, shared by {git.who}"]
        if parent:
            args += ["-p", parent]
        commit = git.out(*args).strip()
        git.run("update-ref", ref, commit)
        click.echo(f"shared {counts.records.get('evidence', 0)} findings matching {query!r}", err=True)
        _write_bundle(git, out, [ref])
    finally:
        shutil.rmtree(work, ignore_errors=True)
