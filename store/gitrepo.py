"""The system `git`, as `findings sync` uses it: run with list arguments (never a shell), in one data repository.

A data repository is a git repository whose work tree is a tree of native YAML files (store/tree.py), on the
branch `main`. Its `.gitattributes` marks the record files `-merge`: git never merges inside one, so two people
changing the same record always meet as a conflict a person decides, while records added or changed by only one
side merge by themselves. Place names (gazetteer/, sorted lists of short lines) merge line by line; history
files have unique names and never conflict.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from store.errors import StoreError

BRANCH = "main"
GITATTRIBUTES = """\
# Written by findings sync. A record file is never merged line by line: two people changing the same record
# meet as a conflict that a person decides (findings sync --resolve ID ours|theirs|edited).
*.yaml -merge
gazetteer/*.yaml merge
.findings-tree -merge
"""
PRIVATE = ".findings-private"  # sensitive records: never committed (listed in .git/info/exclude)


class GitError(StoreError):
    """git failed, or is not there."""


@dataclass
class Git:
    """git in one repository, with the author of commits (the reviewer) set through the environment."""

    repo: Path
    who: str = "findings"
    target: Path | None = None  # the database the repository's tree is built into

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["GIT_AUTHOR_NAME"] = self.who  # commits name the reviewer, whatever the machine's git config says
        env["GIT_COMMITTER_NAME"] = self.who
        email = (
            f"{''.join(c if c.isalnum() else '-' for c in self.who.lower()).strip('-') or 'someone'}@findings.invalid"
        )
        env.setdefault("GIT_AUTHOR_EMAIL", email)
        env.setdefault("GIT_COMMITTER_EMAIL", email)
        env["GIT_TERMINAL_PROMPT"] = "0"  # never wait for a password on a terminal nobody watches
        env.pop("GIT_DIR", None)
        env.pop("GIT_WORK_TREE", None)
        return env

    def run(
        self, *args: str, check: bool = True, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        exe = git_executable()
        cmd = [exe, "-c", f"user.name={self.who}", "-c", "core.quotepath=off", *args]
        done = subprocess.run(
            cmd,
            cwd=self.repo,
            env={**self.env(), **(extra_env or {})},
            stdin=subprocess.DEVNULL,  # never the explorer's terminal: git reads nothing from a person here
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        if check and done.returncode != 0:
            message = (done.stderr or done.stdout).strip().splitlines()
            raise GitError(
                f"git {args[0]} failed: {' '.join(message[-3:]) if message else 'exit ' + str(done.returncode)}"
            )
        return done

    def out(self, *args: str) -> str:
        return self.run(*args).stdout

    def has_commits(self) -> bool:
        return self.run("rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0

    def merging(self) -> bool:
        return self.run("rev-parse", "--verify", "-q", "MERGE_HEAD", check=False).returncode == 0

    def unmerged(self) -> list[str]:
        """Paths git could not merge, from the index (one line per path and stage: the paths, once each)."""
        paths = []
        for line in self.out("ls-files", "-u", "-z").split("\0"):
            if "\t" in line:
                path = line.split("\t", 1)[1]
                if path not in paths:
                    paths.append(path)
        return paths

    def stage(self, path: str, n: int) -> str | None:
        """The text of `path` at merge stage `n` (1 base, 2 ours, 3 theirs); None where that side has none."""
        done = self.run("show", f":{n}:{path}", check=False)
        return done.stdout if done.returncode == 0 else None


def git_executable() -> str:
    exe = shutil.which("git")
    if exe is None:
        raise GitError(
            "findings sync needs git, and there is none on this machine's PATH: install git (apt install git, "
            "or git-scm.com), or exchange trees with `findings export dataset` and `findings build --dataset`"
        )
    return exe


def init(repo: Path, who: str) -> Git:
    """Make `repo` a data repository (git init on `main`, .gitattributes, the private folder ignored)."""
    repo.mkdir(parents=True, exist_ok=True)
    git = Git(repo, who)
    if not (repo / ".git").exists():
        git.run("init", "-q", "-b", BRANCH)
    attributes = repo / ".gitattributes"
    if not attributes.exists():
        attributes.write_text(GITATTRIBUTES, encoding="utf-8")
    exclude = repo / ".git" / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    lines = exclude.read_text(encoding="utf-8").splitlines() if exclude.exists() else []
    if f"/{PRIVATE}/" not in lines:
        exclude.write_text("\n".join([*lines, f"/{PRIVATE}/"]) + "\n", encoding="utf-8")
    return git
