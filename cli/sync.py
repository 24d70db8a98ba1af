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
from pathlib import Path

import click

from cli.options import Command, db_option, given_db, reviewer_option
from store import sync_conflicts
from store.errors import StoreError
from store.gitrepo import BRANCH, Git, GitError, init
from store.sync_conflicts import CHOICES, REPO_ENV, commit_local, rebuild


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
    file in the repository), or side by side in `findings review --repo DIR` (press C); the last decision
    finishes the merge and rebuilds the database.

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
            sync_conflicts.abort(git)
            click.echo("merge given up; the repository is as it was before it", err=True)
            return
        if resolve is not None:
            if source not in CHOICES:
                raise click.UsageError(f"--resolve {resolve} needs what to keep: ours, theirs or edited")
            _resolve(git, resolve, source, target, push)
            return
        if git.merging():
            _stop_with_conflicts(git, pending=True)
        commit_local(git, target, say=_say)
        before = _head(git)
        if source is not None or _has_origin(git):
            label, fetched = _fetch(git, source)
            if fetched is not None:
                _merge(git, fetched, label)
        if _head(git) != before or not target.exists():
            rebuild(git, target, say=_say)
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


def _stop_with_conflicts(git: Git, *, pending: bool) -> None:
    from store.sync_conflicts import short
    from store.text import printable

    conflicts = sync_conflicts.conflicts(git)
    if not conflicts:
        return
    if not pending and git.target is not None:
        sync_conflicts.remember_database(git, git.target)
    head = "a merge waits for decisions" if pending else "the merge stopped"
    lines = [f"{head}: {len(conflicts)} record{'s' if len(conflicts) != 1 else ''} changed on both sides:"]
    for c in conflicts:
        lines.append(f"  {printable(c.label)}  ({printable(c.path)})")
        for field, ours, theirs in c.fields[:6]:
            ours_shown, theirs_shown = short(ours, other=theirs), short(theirs, other=ours)
            lines.append(f"      {printable(field)}: ours {ours_shown} | theirs {theirs_shown}")
    lines.append("your database still holds the last good state. Decide each:")
    lines.append("  findings sync --resolve ID ours|theirs|edited   (edited: fix the file in the repository first)")
    lines.append(f"  or side by side in the explorer: findings review --repo {printable(git.repo)}, then C")
    lines.append("or give up the merge: findings sync --abort")
    click.echo("\n".join(lines), err=True)
    sys.exit(1)


def _say(text: str) -> None:
    click.echo(text, err=True)


def _resolve(git: Git, record: str, choice: str, target: Path, push: bool) -> None:
    decision = sync_conflicts.decide(git, record, choice, target)
    click.echo(decision.message, err=True)
    if decision.left:
        return
    sync_conflicts.finish(git, target, say=_say)
    if push and _has_origin(git):
        _push(git, None)


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
