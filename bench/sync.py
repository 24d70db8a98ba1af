"""`findings sync` of N new findings: time and bytes moved, against plain `git fetch` of the same commits.

    .venv/bin/python bench/sync.py [--findings 1000] [--repeat 3] [--json-out bench/sync.json]

Set-up (in a temporary directory, file:// remotes only, git with no configuration of this machine): a bare hub,
and two researchers who synced with it once. The sender imports N new findings (one YAML file, one source)
and runs `findings sync --push`; the receiver runs `findings sync` (fetch, merge, rebuild of the database).
Baseline, in the same run: a plain clone of the hub at the state before, running `git fetch` of the same
commits. Bytes moved: what the fetch adds to the repository's object store (the pack git receives), and the
size of a bundle of the same commits (`findings sync --bundle`). Each time is the median of --repeat runs, each
on fresh copies.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FINDINGS = [sys.executable, str(ROOT / "main.py")]


def env(home: Path) -> dict[str, str]:
    out = dict(os.environ)
    out.update(
        HOME=str(home),
        FINDINGS_HOME=str(home / "findings"),
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_EMAIL="bench@example.invalid",
        GIT_COMMITTER_EMAIL="bench@example.invalid",
    )
    out.pop("FINDINGS_DB", None)
    return out


def run(args: list[str], cwd: Path, environ: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=environ, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return took


def store_bytes(repo: Path) -> int:
    return sum(p.stat().st_size for p in (repo / ".git" / "objects").rglob("*") if p.is_file())


def findings_yaml(n: int) -> str:
    lines = ["evidence:"]
    for i in range(n):
        lines.append(
            f"  - {{id: bench-finding-{i:05d}, claim: 'Bench finding {i}: a shipment of {i % 97} containers reached "
            f"the port, according to the field notes.', category: logistics, "
            f"source: kyiv-independent-occupied-economy, quantity: {i % 97}, unit: containers}}"
        )
    return "\n".join(lines) + "\n"


def once(n: int, work: Path) -> dict[str, float]:
    environ = env(work / "home")
    hub = work / "hub.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(hub)], check=True, env=environ)
    for name in ("sender", "receiver"):
        shutil.copyfile(ROOT / "data.db", work / f"{name}.db")
    sync = [*FINDINGS, "sync", "--repo"]
    run([*sync, str(work / "sender"), "--db", str(work / "sender.db"), hub.as_uri(), "--push"], work, environ)
    run([*sync, str(work / "receiver"), "--db", str(work / "receiver.db"), hub.as_uri()], work, environ)
    # the baseline clone, at the same state as the receiver
    subprocess.run(["git", "clone", "-q", hub.as_uri(), str(work / "plain")], check=True, env=environ)

    (work / "new.yaml").write_text(findings_yaml(n), encoding="utf-8")
    run([*FINDINGS, "import", "yaml", str(work / "new.yaml"), "--db", str(work / "sender.db")], work, environ)
    send = run([*sync, str(work / "sender"), "--db", str(work / "sender.db"), "--push"], work, environ)

    before = store_bytes(work / "plain")
    fetch = run(["git", "fetch", "-q", "origin", "main"], work / "plain", environ)
    fetched = store_bytes(work / "plain") - before

    before = store_bytes(work / "receiver")
    receive = run([*sync, str(work / "receiver"), "--db", str(work / "receiver.db")], work, environ)
    received = store_bytes(work / "receiver") - before

    bundle = work / "new.bundle"
    subprocess.run(  # the fetched commits: what the plain clone lacked before (its main has not moved)
        ["git", "bundle", "create", "-q", str(bundle), "FETCH_HEAD", "^main"],
        cwd=work / "plain",
        env=environ,
        check=True,
        capture_output=True,
    )
    return {
        "send_s": send,
        "receive_s": receive,
        "git_fetch_s": fetch,
        "received_bytes": received,
        "git_fetch_bytes": fetched,
        "bundle_bytes": bundle.stat().st_size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--findings", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    if shutil.which("git") is None:
        raise SystemExit("needs git")
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="findings-bench-sync-") as tmp:
            runs.append(once(args.findings, Path(tmp)))
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    result = {
        "findings": args.findings,
        "repeat": args.repeat,
        "load": os.getloadavg()[0],
        **median,
        "receive_vs_fetch_time": median["receive_s"] / median["git_fetch_s"],
        "receive_vs_fetch_bytes": median["received_bytes"] / max(1, median["git_fetch_bytes"]),
    }
    print(f"{args.findings:,} new findings, median of {args.repeat} (load {result['load']:.1f}):")
    print(f"  sender:   findings sync --push   {median['send_s'] * 1000:8.0f} ms")
    print(f"  receiver: findings sync          {median['receive_s'] * 1000:8.0f} ms, {median['received_bytes']:,.0f} B")
    print(
        f"  baseline: git fetch              {median['git_fetch_s'] * 1000:8.0f} ms, {median['git_fetch_bytes']:,.0f} B"
    )
    print(f"  ratio:    time {result['receive_vs_fetch_time']:.1f}x, bytes {result['receive_vs_fetch_bytes']:.2f}x")
    print(f"  bundle of the same commits: {median['bundle_bytes']:,.0f} B")
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
