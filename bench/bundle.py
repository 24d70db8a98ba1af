"""The offline bundle, measured: its size and what takes the space, start-up from the zip against the installed
program, YAML loading with and without libyaml (the bundle has no compiled code), and what `ssh -C` saves on the
explorer's output.

    python bench/bundle.py [--repeats 5] [--json]

Prints a Markdown report (or JSON). Needs pyte (test extra) for the terminal measurements.
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
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PYTHON = sys.executable


def median_time(cmd: list[str], repeats: int, cwd: Path, env: dict[str, str]) -> float:
    times = []
    for i in range(repeats + 1):
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
        if i:  # the first run warms the page cache
            times.append(time.perf_counter() - t)
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd} failed: {proc.stderr.decode()[-400:]}")
    return statistics.median(times)


def build(directory: Path, *, bytecode: bool) -> Path:
    from cli.bundle import plan_bundle, write_bundle

    path = directory / ("findings.pyz" if bytecode else "findings-source-only.pyz")
    write_bundle(plan_bundle(bytecode=bytecode), path)
    return path


def size_report(pyz: Path) -> dict:
    from cli.bundle import breakdown

    parts = breakdown(pyz)
    total = pyz.stat().st_size
    return {"bytes": total, "parts": [{"name": n, "bytes": b, "files": c} for n, b, c in parts]}


def startup(pyz: Path, work: Path, repeats: int) -> dict:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work / "home"), "LANG": "C.UTF-8"}
    (work / "home").mkdir(exist_ok=True)
    out = {}
    for label, args in (
        ("search yuan --json", ["search", "yuan", "--json"]),
        ("show actor china", ["show", "actor", "china"]),
        ("--help", ["--help"]),
    ):
        out[label] = {
            "installed": median_time([PYTHON, str(ROOT / "main.py"), *args], repeats, work, dict(os.environ)),
            "bundle": median_time([PYTHON, "-I", "-S", str(pyz), *args], repeats, work, env),
        }
    return out


def tui_first_paint(cmd: list[str], cwd: Path, env: dict[str, str], repeats: int) -> float:
    from bench.pty_session import Session

    times = []
    for i in range(repeats + 1):
        s = Session(cmd, env=env, cwd=str(cwd))
        try:
            r = s.startup(settle=2.5)
        finally:
            s.close()
        if i:
            times.append(r["first_paint_s"])
    return statistics.median(times)


def yaml_speed(repeats: int) -> dict:
    """Parse time of dataset/*.yaml, and of a 1 MB file made of its findings, with libyaml and without."""
    import yaml

    from importers.loaders import load_yaml

    if not hasattr(yaml, "CSafeLoader"):
        return {"error": "this environment's PyYAML has no libyaml: nothing to compare"}
    files = sorted((ROOT / "dataset").rglob("*.yaml"))  # the tree: a file per record (store/tree.py)
    dataset = [(p.read_text(encoding="utf-8"), p.name) for p in files]
    # The findings' records, one after another, as a file of a megabyte or so
    findings = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "dataset" / "evidence").rglob("*.yaml"))]
    body = "".join(t[len("evidence:\n") :] if t.startswith("evidence:\n") else t for t in findings)
    copies = max(1, 1_000_000 // len(body))
    big = "evidence:\n" + "".join(body.replace("- id: ", f"- id: c{n}-") for n in range(copies))

    def timed(docs: list[tuple[str, str]]) -> float:
        best = []
        for _ in range(repeats):
            t = time.perf_counter()
            for doc, name in docs:
                load_yaml(doc, name)
            best.append(time.perf_counter() - t)
        return statistics.median(best)

    out = {}
    cloader = yaml.CSafeLoader
    for label, docs in (("dataset", dataset), ("1mb", [(big, "big.yaml")])):
        with_c = timed(docs)
        del yaml.CSafeLoader  # what the bundle sees: yaml._yaml is not there
        try:
            pure = timed(docs)
        finally:
            yaml.CSafeLoader = cloader
        out[label] = {"bytes": sum(len(d.encode()) for d, _ in docs), "libyaml_s": with_c, "pure_s": pure}
    return out


def yaml_import(pyz: Path, work: Path, repeats: int) -> dict:
    """`import yaml` of every file of the dataset tree into a new database: installed (libyaml) vs bundle."""
    files = [str(p) for p in sorted((ROOT / "dataset").rglob("*.yaml"))]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work / "home"), "LANG": "C.UTF-8"}
    out = {}
    for label, prefix, e in (
        ("installed", [PYTHON, str(ROOT / "main.py")], dict(os.environ)),
        ("bundle", [PYTHON, "-I", "-S", str(pyz)], env),
    ):
        times = []
        for _ in range(repeats):
            db = work / "import.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            t = time.perf_counter()
            proc = subprocess.run(
                [*prefix, "--db", str(db), "import", "yaml", *files], cwd=work, env=e, capture_output=True
            )
            times.append(time.perf_counter() - t)
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr.decode()[-400:])
        out[label] = statistics.median(times)
    return out


def ssh_compression(pyz: Path, work: Path, moves: int = 10) -> dict:
    """Bytes of the first paint and of cursor moves at 80x24, raw and as `ssh -C` sends them: one zlib stream
    (level 6, as OpenSSH) for the whole session, flushed (Z_PARTIAL_FLUSH) after every write the program made."""
    from bench.pty_session import Session

    env = {"PATH": "/usr/bin:/bin", "HOME": str(work / "home"), "LANG": "C.UTF-8"}
    out = {}
    for label, extra in (("default", []), ("low-bandwidth", ["--low-bandwidth"])):
        s = Session([PYTHON, "-I", "-S", str(pyz), "tui", *extra], env=env, cwd=str(work), term="xterm-256color")
        z = zlib.compressobj(6)
        try:
            s.start()
            first = s.drain(1.5, 30)
            first_raw = first.nbytes
            first_z = sum(len(z.compress(c)) + len(z.flush(zlib.Z_PARTIAL_FLUSH)) for _, c in first.chunks)
            raw, comp = [], []
            for _ in range(moves):
                os.write(s.fd, b"\x1b[B")
                burst = s.drain(0.4, 10)
                raw.append(burst.nbytes)
                comp.append(sum(len(z.compress(c)) + len(z.flush(zlib.Z_PARTIAL_FLUSH)) for _, c in burst.chunks))
        finally:
            s.close()
        out[label] = {
            "first_paint": first_raw,
            "first_paint_compressed": first_z,
            "move_median": statistics.median(raw),
            "move_median_compressed": statistics.median(comp),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="findings-bundle-bench-"))
    try:
        shutil.copyfile(ROOT / "data.db", work / "data.db")
        pyz = build(work, bytecode=True)
        source_only = build(work, bytecode=False)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(work / "home"), "LANG": "C.UTF-8"}
        (work / "home").mkdir(exist_ok=True)
        r = {
            "size": size_report(pyz),
            "size_source_only": source_only.stat().st_size,
            "startup": startup(pyz, work, a.repeats),
            "tui_first_paint_s": {
                "installed": tui_first_paint([PYTHON, str(ROOT / "main.py")], work, dict(os.environ), a.repeats),
                "bundle": tui_first_paint([PYTHON, "-I", "-S", str(pyz)], work, env, a.repeats),
                "bundle_source_only": tui_first_paint([PYTHON, "-I", "-S", str(source_only)], work, env, a.repeats),
            },
            "yaml_parse": yaml_speed(a.repeats),
            "yaml_import": yaml_import(pyz, work, a.repeats),
            "ssh": ssh_compression(pyz, work),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if a.json:
        print(json.dumps(r, indent=2))
        return
    print(report(r))


def report(r: dict) -> str:
    mb = r["size"]["bytes"] / 1_000_000
    lines = [f"Bundle: {mb:.2f} MB ({r['size_source_only'] / 1_000_000:.2f} MB without bytecode)", ""]
    lines += ["| part | compressed KB | files |", "|---|---:|---:|"]
    for p in r["size"]["parts"][:16]:
        lines.append(f"| {p['name']} | {p['bytes'] / 1000:.0f} | {p['files']} |")
    lines += ["", "| start-up (median) | installed | bundle (-I -S) |", "|---|---:|---:|"]
    for label, t in r["startup"].items():
        lines.append(f"| {label} | {t['installed'] * 1000:.0f} ms | {t['bundle'] * 1000:.0f} ms |")
    tp = r["tui_first_paint_s"]
    lines.append(
        f"| explorer first paint | {tp['installed']:.2f} s | {tp['bundle']:.2f} s "
        f"(source-only bundle {tp['bundle_source_only']:.2f} s) |"
    )
    lines += ["", "| YAML | libyaml | pure Python | ratio |", "|---|---:|---:|---:|"]
    for label, y in r["yaml_parse"].items():
        if label == "error":
            lines.append(f"| {y} | | | |")
            continue
        lines.append(
            f"| parse {label} ({y['bytes'] / 1000:.0f} KB) | {y['libyaml_s'] * 1000:.0f} ms | "
            f"{y['pure_s'] * 1000:.0f} ms | {y['pure_s'] / y['libyaml_s']:.1f}x |"
        )
    yi = r["yaml_import"]
    lines.append(
        f"| `import yaml dataset/*.yaml` (new DB, whole process) | {yi['installed'] * 1000:.0f} ms (installed) | "
        f"{yi['bundle'] * 1000:.0f} ms (bundle) | {yi['bundle'] / yi['installed']:.1f}x |"
    )
    lines += ["", "| 80x24, bytes | raw | ssh -C (zlib 6) |", "|---|---:|---:|"]
    for label, s in r["ssh"].items():
        lines.append(f"| {label} first paint | {s['first_paint']} | {s['first_paint_compressed']} |")
        lines.append(f"| {label} cursor move (median) | {s['move_median']} | {s['move_median_compressed']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
