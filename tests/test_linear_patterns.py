"""Every regular expression in importers/ and store/ runs in linear time on any text, worst cases included.

A backtracking pattern turns a short hostile file into minutes of CPU (40 KB of `[` once took the article
reader 24 s). The patterns are found by reading the source (so a new one is tested without anyone listing it),
each with the way its module uses it (`match`, `fullmatch`, or a scan of every position: `search`, `sub`,
`finditer`); each is then run on strings built to make a backtracking engine work hardest — runs of the
characters the pattern mentions, of pairs of them, after the text that leads into each repetition, followed by a
character that makes the match fail — at two lengths, n and 8n. Linear time means the longer string costs about
8 times as much; a quadratic pattern costs 64 times as much, so the test compares CPU time between the two sizes
of the same input (never against a fixed duration), and measures again before calling a pattern slow.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import ROOT

try:
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

DIRECTORIES = ("importers", "store")
CALLS = {"compile", "search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split"}
SCANS = {"search", "finditer", "findall", "sub", "subn", "split"}
GROWTH = 8
SLOW = 24  # t(8n) / t(n): about 8 when linear, 64 when quadratic


@dataclass
class Found:
    where: str  # file:line
    pattern: str
    flags: int
    modes: set[str]  # "match", "fullmatch", "scan"


def _flags(node: ast.expr | None) -> int:
    if node is None:
        return 0
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "re":
        return int(getattr(re, node.attr))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flags(node.left) | _flags(node.right)
    raise AssertionError(f"flags not understood: {ast.dump(node)}")


def _mode(method: str) -> str:
    return "scan" if method in SCANS else method


def discover() -> tuple[list[Found], list[str]]:
    """Literal patterns of `re` calls in the source, with how they are used; and calls whose pattern is computed."""
    found: list[Found] = []
    dynamic: list[str] = []
    for directory in DIRECTORIES:
        for path in sorted((ROOT / directory).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            rel = path.relative_to(ROOT)
            calls: dict[int, Found] = {}
            uses: dict[str, set[str]] = {}
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                func = node.func
                if not isinstance(func.value, ast.Name):
                    continue
                if func.value.id != "re" or func.attr not in CALLS:
                    uses.setdefault(func.value.id, set()).add(func.attr)
                    continue
                where = f"{rel}:{node.lineno}"
                arg = node.args[0] if node.args else None
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    dynamic.append(where)
                    continue
                flag_node = next((k.value for k in node.keywords if k.arg == "flags"), None)
                if flag_node is None:
                    index = 1 if func.attr == "compile" else {"sub": 3, "subn": 3, "split": 2}.get(func.attr, 2)
                    flag_node = node.args[index] if len(node.args) > index else None
                modes = set() if func.attr == "compile" else {_mode(func.attr)}
                calls[id(node)] = Found(where, arg.value, _flags(flag_node), modes)
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and id(node.value) in calls:
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            item = calls[id(node.value)]
                            item.modes |= {_mode(m) for m in uses.get(target.id, set()) & CALLS}
            for item in calls.values():
                if not item.modes:
                    item.modes = {"match", "fullmatch", "scan"}  # not seen in use: assume the worst
                found.append(item)
    return found, dynamic


# ------------------------------------------------------------------------------------------- worst cases

REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, getattr(sre_constants, "POSSESSIVE_REPEAT", None))
_CATEGORY_SAMPLES = {
    sre_constants.CATEGORY_DIGIT: "1",
    sre_constants.CATEGORY_NOT_DIGIT: "a",
    sre_constants.CATEGORY_SPACE: " ",
    sre_constants.CATEGORY_NOT_SPACE: "x",
    sre_constants.CATEGORY_WORD: "a",
    sre_constants.CATEGORY_NOT_WORD: "!",
}


def _class_chars(items: list) -> list[str]:
    out: list[str] = []
    negate = False
    for op, av in items:
        if op is sre_constants.NEGATE:
            negate = True
        elif op is sre_constants.LITERAL:
            out.append(chr(av))
        elif op is sre_constants.RANGE:
            out += [chr(av[0]), chr(av[1])]
        elif op is sre_constants.CATEGORY:
            out.append(_CATEGORY_SAMPLES.get(av, "a"))
    if negate:
        out += ["x", "a", " "]
    return out[:8]


def _walk(items: list, chars: list[str], prefixes: list[str], sofar: str) -> str:
    """Collect the characters a pattern mentions and the text that leads into each of its repetitions; return a
    short text the sequence matches."""
    for op, av in items:
        if op is sre_constants.LITERAL:
            chars.append(chr(av))
            sofar += chr(av)
        elif op is sre_constants.NOT_LITERAL:
            chars += [chr(av), "x"]
            sofar += "x" if chr(av) != "x" else "y"
        elif op is sre_constants.IN:
            members = _class_chars(av)
            chars += members
            sofar += members[0] if members else "a"
        elif op is sre_constants.ANY:
            chars += ["x", " "]
            sofar += "x"
        elif op in REPEATS:
            low, _high, body = av
            prefixes.append(sofar)
            once = _walk(list(body), chars, prefixes, "")
            prefixes.append(sofar + once)
            sofar += once * max(low, 1)
        elif op is sre_constants.SUBPATTERN:
            sofar = _walk(list(av[-1]), chars, prefixes, sofar)
        elif op is getattr(sre_constants, "ATOMIC_GROUP", None):
            sofar = _walk(list(av), chars, prefixes, sofar)
        elif op is sre_constants.BRANCH:
            first = ""
            for i, alternative in enumerate(av[1]):
                text = _walk(list(alternative), chars, prefixes, sofar)
                first = text if i == 0 else first
            sofar = first
        elif op is sre_constants.GROUPREF:
            sofar += "a"
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            _walk(list(av[1]), chars, prefixes, "")
    return sofar


def worst_cases(pattern: str, flags: int) -> Iterator[Callable[[int], str]]:
    """Makers of hostile strings of about n characters for `pattern`."""
    chars: list[str] = []
    prefixes: list[str] = [""]
    whole = _walk(list(sre_parse.parse(pattern, flags)), chars, prefixes, "")
    alphabet = list(dict.fromkeys([*chars, " ", "a", "1", "\n"]))[:12]
    units = list(dict.fromkeys([*alphabet, *(a + b for a in alphabet[:6] for b in alphabet[:6]), whole or "a"]))
    units += [p for p in dict.fromkeys(prefixes) if 0 < len(p) <= 4]
    for prefix in dict.fromkeys(p[:12] for p in prefixes):
        for unit in units:
            for end in ("", "\x00", whole[:1] or "!"):
                yield lambda n, p=prefix, u=unit, e=end: p + u * (n // len(u)) + e


# ---------------------------------------------------------------------------------------------- running


def _runner(compiled: re.Pattern[str], mode: str) -> Callable[[str], object]:
    if mode == "match":
        return compiled.match
    if mode == "fullmatch":
        return compiled.fullmatch
    return lambda s: sum(1 for _ in compiled.finditer(s))


def _cpu(run: Callable[[str], object], text: str, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        run(text)
        best = min(best, time.thread_time() - start)
    return best


SIZES = (100, 800, 6_400)
FLOOR = 20e-6  # seconds: below this the clock's own cost decides a ratio


def _growth(run: Callable[[str], object], make: Callable[[int], str], repeats: int) -> float:
    """The largest t(8n) / t(n) over the sizes, stopping as soon as one step is clearly not linear."""
    worst = 1.0
    before = _cpu(run, make(SIZES[0]), repeats)
    for size in SIZES[1:]:
        now = _cpu(run, make(size), repeats)
        if now > FLOOR * GROWTH:
            worst = max(worst, now / max(before, FLOOR))
            if worst > SLOW:
                return worst
        before = now
    return worst


def slow_inputs(pattern: str, flags: int, modes: set[str]) -> list[str]:
    compiled = re.compile(pattern, flags)
    slow = []
    for mode in sorted(modes):
        run = _runner(compiled, mode)
        for make in worst_cases(pattern, flags):
            if _growth(run, make, 1) > SLOW and _growth(run, make, 5) > SLOW:
                slow.append(f"{mode} on {make(24)!r}…")
                break
    return slow


FOUND, DYNAMIC = discover()
# Computed patterns, and why each is linear by construction (a single character class, or a literal).
DYNAMIC_KNOWN = {
    "store/search/spelling.py": "one word of the query, escaped (a literal), between one-character lookarounds",
    "store/text.py": "one character class, built from the table of characters shown as codes",
    "store/scripts.py": "one character class each: the Cyrillic blocks of Unicode, the letters of the Latin ones",
}


def test_every_pattern_in_the_source_is_found() -> None:
    assert len(FOUND) >= 20
    assert any("article.py" in f.where for f in FOUND) and any("loaders.py" in f.where for f in FOUND)
    for where in DYNAMIC:
        assert where.split(":")[0] in DYNAMIC_KNOWN, f"{where}: a computed pattern; add it to DYNAMIC_KNOWN with why"


@pytest.mark.parametrize("found", FOUND, ids=[f.where for f in FOUND])
def test_pattern_runs_in_linear_time(found: Found) -> None:
    assert slow_inputs(found.pattern, found.flags, found.modes) == [], found.pattern


def test_the_computed_text_table_pattern_is_linear() -> None:
    from store.text import _pattern

    pattern = _pattern()
    run = _runner(pattern, "scan")
    for text in ("\x1b" * 1, "a\u200b", "\U000e0041"):
        assert _growth(run, lambda n, t=text: t * (n // len(t)), 5) < SLOW


@pytest.mark.parametrize(
    ("pattern", "mode"),
    [
        (r"\[([^\]]+)\]\([^)]*\)", "scan"),  # the article reader's old link pattern: 40 KB of `[` took 24 s
        (r"!\[([^\]]*)\]\([^)]*\)", "scan"),  # its old image pattern: 80 KB of `![` took 99 s
        (r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", "match"),  # its old heading pattern (cubic)
    ],
)
def test_the_check_finds_backtracking_patterns(pattern: str, mode: str) -> None:
    """The test can fail: the patterns the article reader used before are caught, by the generated strings alone."""
    assert slow_inputs(pattern, 0, {mode}), pattern
