"""`findings bundle`: the whole tool as one file that runs on any machine with Python 3.11+ and nothing else.

The file is a zip application (PEP 441): a `#!/usr/bin/env python3` line, then a zip holding `__main__.py`, our
packages and every runtime dependency, copied from the distributions installed in the current environment
(the requirement tree of `[project] dependencies` in pyproject.toml, without optional extras). Python runs it
straight from the zip through zipimport: nothing is unpacked, so the bundle needs no writable directory, no free
space and no HOME. Our data files read at run time, tui/findings.tcss (tui/app.py) and importers/tagging.yaml
(importers/gazetteer.py), are read through importlib.resources when they are not files, which works in a zip.

What cannot travel in a portable file is left out: compiled extensions (each must have a pure-Python path, listed
in OPTIONAL_EXTENSIONS), tests, type stubs, bytecode caches, dist-info files other than METADATA and licences.
Modules are stored as source and as bytecode for the building Python (unchecked-hash .pyc, which zipimport uses
when its version matches and skips otherwise), so start-up does not recompile every module on every run.
"""

from __future__ import annotations

import fnmatch
import io
import re
import stat
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, TypedDict

import click

from cli.options import Command

if TYPE_CHECKING:
    from importlib.metadata import Distribution

    from store.output import Target

ROOT = Path(__file__).resolve().parent.parent
ZIP_DATE = (2026, 1, 1, 0, 0, 0)  # every entry gets this time: the same sources give the same bytes
SHEBANG = b"#!/usr/bin/env python3\n"
MIN_PYTHON = (3, 11)

# Requirements of our dependencies that the run never needs (never imported by what we use).
SKIP_DISTRIBUTIONS = {
    "pip": "sqlite-utils only shells out to it for its own `install` command, which findings does not use",
    "tzdata": "python-dateutil (sqlite-utils' date parsing) reads it only to look up a time zone by name, which "
    "findings never does (without it, dateutil looks names up in the system's zone files only)",
}
# Compiled modules left out, and the pure-Python path their package takes without them.
OPTIONAL_EXTENSIONS = {
    "yaml._yaml": "PyYAML uses its pure-Python parser (yaml.SafeLoader instead of CSafeLoader)",
}
# Files that are inside a package but never read without an optional extra or a tool we do not ship.
SKIP_PATTERNS = (
    "textual/tree-sitter/*",  # highlight queries for TextArea, used only with the `syntax` extra (tree-sitter)
    "*/py.typed",
    "*.pyi",
)
# Modules stored as source only (compiled on import, if ever imported): the many Pygments lexers (rich uses the
# Python ones, for a crash report) and the Markdown parser (only Textual's Markdown widget, which findings does not
# use). Everything else also gets bytecode: the explorer starts in a third of the time.
SOURCE_ONLY = ("pygments/lexers/*", "markdown_it/*", "mdit_py_plugins/*", "textual/demo/*")
SOURCE_ONLY_EXCEPT = ("pygments/lexers/__init__.py", "pygments/lexers/_mapping.py", "pygments/lexers/python.py")
LICENCE_NAME = re.compile(r"(?i)^(licen[cs]e|copying|notice|authors)")
EXTENSION_SUFFIXES = (".so", ".pyd", ".dylib", ".dll")
MAIN = '''\
"""findings {version}, bundled by `findings bundle`: run this file with Python {min_text}+ (`--help`)."""

import sys

if sys.version_info < {min_python!r}:
    sys.exit("findings needs Python {min_text} or newer; this is Python " + sys.version.split()[0])

import os

import main

# The same door as the console script; store/paths.py finds the data.db beside this file from inside the zip.
main.run(prog_name=os.path.basename(sys.argv[0]))
'''


@dataclass
class Plan:
    """What goes into the bundle: archive name -> bytes or a file to copy, and what was left out and why."""

    files: dict[str, bytes | Path] = field(default_factory=dict)
    distributions: list[tuple[str, str]] = field(default_factory=list)  # (name, version)
    left_out: list[str] = field(default_factory=list)

    def add(self, arcname: str, source: bytes | Path) -> None:
        if arcname in self.files:
            raise click.ClickException(f"two files want the same place in the bundle: {arcname}")
        self.files[arcname] = source


@click.command("bundle", cls=Command)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=Path("findings.pyz"),
    show_default=True,
    help="Where to write the bundle.",
)
@click.option("--no-bytecode", is_flag=True, help="Store sources only (smaller file, slower start).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--force", is_flag=True, help="Replace an existing file that is not a findings bundle without asking.")
def bundle(output: Path, no_bytecode: bool, quiet: bool, force: bool) -> None:
    """Write the whole tool as one file that runs with only Python 3.11+: no pip, no network, no venv.

    Copy it with a data.db anywhere; `python3 findings.pyz` opens the explorer on your database if you have
    one, else ./data.db, else the data.db beside the bundle (which imports never write to). Dependencies are
    copied from this environment; compiled parts are left out (each has a pure-Python path). Nothing is
    unpacked at run time.

    \b
    Examples:
      findings bundle                      writes ./findings.pyz
      findings bundle -o /media/usb/findings.pyz
      python3 findings.pyz search yuan     (on the other machine, with data.db beside it)
    """
    from cli.output import checked_targets
    from store.text import printable

    (target,) = checked_targets([output.expanduser()], force=force, ours=is_bundle)  # before any work
    plan = plan_bundle(bytecode=not no_bytecode)
    size = write_bundle(plan, target)
    if quiet:
        return
    replaced = ", replacing the old one" if target.existing is not None else ""
    click.echo(f"Wrote {printable(str(output))} ({size / 1_000_000:.1f} MB, {len(plan.files)} files{replaced})")
    click.echo("Holds: " + ", ".join(f"{name} {version}" for name, version in plan.distributions))
    parts = breakdown(output)
    click.echo("Largest (compressed): " + ", ".join(f"{n} {b / 1_000_000:.1f} MB" for n, b, _ in parts[:4]))
    for line in plan.left_out:
        click.echo(f"Left out: {line}")
    click.echo(f"Run: python3 {output.name} (copy it with data.db; Python {'.'.join(map(str, MIN_PYTHON))}+ only)")


def plan_bundle(*, bytecode: bool = True) -> Plan:
    project = read_project()
    plan = Plan()
    for arcname, path in own_files(project):
        plan.add(arcname, path)
    for dist in resolve(project["dependencies"], plan):
        for arcname, path in distribution_files(dist, plan):
            plan.add(arcname, path)
    if bytecode:
        add_bytecode(plan)
    main_py = MAIN.format(
        version=project["version"],
        min_python=MIN_PYTHON,
        min_text=".".join(map(str, MIN_PYTHON)),
    )
    plan.add("__main__.py", main_py.encode())
    return plan


class Project(TypedDict):
    """What pyproject.toml says the bundle holds."""

    version: str
    dependencies: list[str]
    modules: list[str]  # top-level modules (main)
    packages: list[str]  # package name patterns (store*, ...)
    package_data: dict[str, list[str]]  # package -> file name patterns


def read_project() -> Project:
    """[project] and the package layout from pyproject.toml (a source checkout is needed to bundle)."""
    import tomllib

    pyproject = ROOT / "pyproject.toml"
    if not pyproject.is_file():
        raise click.ClickException(
            "findings bundle runs from a source checkout (it needs pyproject.toml and the installed dependencies); "
            "a bundle cannot rebuild itself: copy the .pyz you have instead"
        )
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    setuptools = data.get("tool", {}).get("setuptools", {})
    return {
        "version": data["project"]["version"],
        "dependencies": list(data["project"].get("dependencies", [])),
        "modules": list(setuptools.get("py-modules", [])),
        "packages": list(setuptools.get("packages", {}).get("find", {}).get("include", [])),
        "package_data": dict(setuptools.get("package-data", {})),
    }


def own_files(project: Project) -> Iterator[tuple[str, Path]]:
    """main.py and our packages (store, importers, cli, tui): their modules and declared package data."""
    for module in project["modules"]:
        yield f"{module}.py", ROOT / f"{module}.py"
    for package_dir in sorted(p for p in ROOT.iterdir() if (p / "__init__.py").is_file()):
        if not any(fnmatch.fnmatch(package_dir.name, pattern) for pattern in project["packages"]):
            continue
        data_patterns = project["package_data"].get(package_dir.name, [])
        for path in sorted(package_dir.rglob("*")):
            relative = path.relative_to(ROOT)
            if not path.is_file() or "__pycache__" in relative.parts:
                continue
            if path.suffix == ".py" or any(fnmatch.fnmatch(path.name, p) for p in data_patterns):
                yield relative.as_posix(), path


_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*([^;]*)(?:;(.*))?$")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _marker_applies(marker: str) -> bool:
    """Whether a requirement's environment marker holds here, with no extra requested."""
    if not marker.strip():
        return True
    if re.search(r"\bextra\b", marker):
        return False  # optional extras (linkify, syntax, tests, docs...) stay out
    try:
        from packaging.markers import Marker
    except ImportError:  # without packaging: markers other than extras are about the Python or the platform,
        return True  # and a requirement that is not installed here is reported by resolve()
    return Marker(marker).evaluate()


def resolve(requirements: list[str], plan: Plan) -> list[Distribution]:
    """The installed distributions our requirements need, recursively (extras and SKIP_DISTRIBUTIONS left out)."""
    import importlib.metadata as metadata

    found: dict[str, metadata.Distribution] = {}
    queue = list(requirements)
    while queue:
        match = _REQUIREMENT.match(queue.pop(0))
        if not match:
            continue
        name, _extras, specifier, marker = match.groups()
        key = _normalise(name)
        if not _marker_applies(marker or ""):
            continue
        if key in found:
            _check_version(found[key], specifier)
            continue
        if key in SKIP_DISTRIBUTIONS:
            note = f"{name}: {SKIP_DISTRIBUTIONS[key]}"
            if note not in plan.left_out:
                plan.left_out.append(note)
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise click.ClickException(
                f"{name} is needed at run time but is not installed here; `pip install -e .` first"
            ) from None
        _check_version(dist, specifier)
        found[key] = dist
        plan.distributions.append((dist.metadata["Name"], dist.version))
        queue += dist.requires or []
    return list(found.values())


def _check_version(dist: Distribution, specifier: str) -> None:
    """The installed version must be one the requirement accepts (pyproject pins Textual, for example)."""
    specifier = specifier.strip().strip("()").strip()
    if not specifier:
        return
    try:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
    except ImportError:  # packaging comes with pip and pytest; without it the check is skipped
        return
    try:
        accepted = SpecifierSet(specifier).contains(dist.version, prereleases=True)
    except InvalidSpecifier:
        return
    if not accepted:
        name = dist.metadata["Name"]
        raise click.ClickException(
            f"{name} {dist.version} is installed here, but findings needs {name}{specifier}; "
            "run `pip install -e .` first"
        )


def distribution_files(dist: Distribution, plan: Plan) -> Iterator[tuple[str, Path]]:
    """The files of an installed distribution that the run needs: modules, package data, METADATA, licences."""
    files = dist.files
    if files is None:
        raise click.ClickException(f"{dist.metadata['Name']} has no file list (RECORD); reinstall it with pip")
    for file in files:
        parts = PurePosixPath(str(file)).parts
        if not parts or parts[0] in ("..", "/") or "__pycache__" in parts:
            continue  # scripts in bin/, bytecode caches
        arcname = "/".join(parts)
        if parts[0].endswith(".dist-info"):
            if parts[-1] == "METADATA" or (len(parts) > 1 and LICENCE_NAME.match(parts[-1])):
                yield arcname, Path(file.locate())  # importlib.metadata.version() works from the zip
            continue
        if "tests" in parts[:-1] or any(fnmatch.fnmatch(arcname, p) for p in SKIP_PATTERNS):
            continue
        if arcname.endswith(EXTENSION_SUFFIXES):
            module = ".".join((*parts[:-1], parts[-1].split(".")[0]))
            if module not in OPTIONAL_EXTENSIONS:
                raise click.ClickException(
                    f"{module} ({dist.metadata['Name']}) is compiled and has no known pure-Python path; "
                    "it cannot travel in a portable bundle"
                )
            plan.left_out.append(f"{module}, compiled: {OPTIONAL_EXTENSIONS[module]}")
            continue
        yield arcname, Path(file.locate())


def add_bytecode(plan: Plan) -> None:
    """A .pyc beside each .py, for this Python: unchecked-hash pycs need no timestamps and no source check."""
    import importlib.util
    from importlib._bootstrap_external import _code_to_hash_pyc  # type: ignore[attr-defined]  # private: py_compile's

    for arcname, source in list(plan.files.items()):
        if not arcname.endswith(".py"):
            continue
        if any(fnmatch.fnmatch(arcname, p) for p in SOURCE_ONLY) and arcname not in SOURCE_ONLY_EXCEPT:
            continue
        data = source if isinstance(source, bytes) else source.read_bytes()
        try:
            code = compile(data, arcname, "exec", dont_inherit=True, optimize=0)
        except SyntaxError as e:
            raise click.ClickException(f"{arcname} does not compile: {e}") from None
        pyc = _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
        plan.add(arcname + "c", bytes(pyc))


def is_bundle(path: Path) -> bool:
    """Whether `path` is a bundle this command wrote (so writing a new one over it needs no question)."""
    try:
        with path.open("rb") as f:
            if f.read(len(SHEBANG)) != SHEBANG:
                return False
        with zipfile.ZipFile(path) as archive:
            return {"__main__.py", "main.py"} <= set(archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def write_bundle(plan: Plan, target: Target | Path) -> int:
    """Write the zip application beside `target` and move it into place when complete (store/output.py: only a
    regular file is replaced, and it keeps its permissions); returns its size."""
    from store.output import check_target, replacing

    if isinstance(target, Path):
        target = check_target(target.expanduser())
    buffer = io.BytesIO()
    buffer.write(SHEBANG)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for arcname in sorted(plan.files, key=lambda n: (n != "__main__.py", n)):
            source = plan.files[arcname]
            info = zipfile.ZipInfo(arcname, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, source if isinstance(source, bytes) else source.read_bytes(), compresslevel=9)
    data = buffer.getvalue()
    try:
        with replacing(target, binary=True, new_mode=0o777) as f:  # a program: executable, as the umask allows
            f.write(data)
    except OSError as e:  # a read-only directory, a full disk: the old file (if any) stays as it was
        raise click.ClickException(f"cannot write {target.shown}: {e.strerror or e}; nothing was written") from None
    return len(data)


def breakdown(path: Path) -> list[tuple[str, int, int]]:
    """(top-level name, compressed bytes, files) per top-level package of a bundle, biggest first."""
    sizes: dict[str, list[int]] = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            top = info.filename.split("/")[0]
            if top.endswith(".dist-info"):
                top = "metadata and licences (*.dist-info)"
            elif "/" not in info.filename:
                top = top.split(".")[0]  # a single-module distribution: its .py and .pyc together
            entry = sizes.setdefault(top, [0, 0])
            entry[0] += info.compress_size
            entry[1] += 1
    return sorted(((k, v[0], v[1]) for k, v in sizes.items()), key=lambda x: -x[1])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(bundle())
