"""The body of `findings search` (search, then print hits), importable without Click, and a fast path.

Importing Click costs about as much as a whole raw-query Python process, so a quick lookup that goes through
it can never be "little more than the query itself". `main.py` calls `search_main(argv)` first; it handles
`[--db PATH] search WORDS... [--json] [--limit N] [--offset N] [--kind K]...` when the output is plain (piped,
NO_COLOR) or JSON, and returns None for anything else (help, usage errors, styled output) so that the Click
command in cli/search.py handles it, before anything has been printed. Both print through `run`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cli.render import Doc, echo_json, emit, visible

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("evidence", "actor", "region", "source")
COUNT_CAP = 1_000  # the footer says "1,000+" beyond this: counting every match of a common word costs a query


def parse(argv: list[str]) -> dict | None:
    """The search arguments, or None when this is not a plain `search` invocation."""
    args = list(argv)
    db: str | None = None
    if args[:1] == ["--db"] and len(args) > 1:
        db, args = args[1], args[2:]
    elif args[:1] and args[0].startswith("--db="):
        db, args = args[0][5:], args[1:]
    if args[:1] != ["search"]:
        return None
    words: list[str] = []
    out: dict = {"db": db, "json": False, "limit": 20, "offset": 0, "kinds": []}
    rest = iter(args[1:])
    for arg in rest:
        if arg == "--":
            words += list(rest)
            break
        if not arg.startswith("--"):
            words.append(arg)
            continue
        name, eq, value = arg.partition("=")
        if name == "--json" and not eq:
            out["json"] = True
            continue
        if name not in ("--limit", "--offset", "--kind"):
            return None  # --help, --db after the command, a typo: Click explains
        if not eq:
            value = next(rest, None)
            if value is None:
                return None
        if name == "--kind":
            if value not in KINDS:
                return None
            out["kinds"].append(value)
            continue
        try:
            number = int(value)
        except ValueError:
            return None
        if (name == "--limit" and not 1 <= number <= 10_000) or (name == "--offset" and number < 0):
            return None
        out[name[2:]] = number
    if not words:
        return None
    out["text"] = " ".join(words)
    return out


def database(given: str | None) -> Path:
    """As main.py: --db, else FINDINGS_DB, else ./data.db if present, else the data.db beside main.py."""
    if given is None:
        given = os.environ.get("FINDINGS_DB") or None
    if given is not None:
        return Path(given)
    local = Path("data.db")
    return local if local.exists() else ROOT / "data.db"


def search_main(argv: list[str]) -> int | None:
    """Run `findings search` for `argv` (without the program name) and return the exit status, or None to let
    Click handle the command."""
    from cli.render import plain_wanted

    args = parse(argv)
    if args is None or not (args["json"] or plain_wanted()):
        return None
    from store.connect import open_readonly
    from store.errors import StoreError

    try:
        conn = open_readonly(database(args["db"]))
    except StoreError as e:
        sys.stderr.write(f"Error: {visible(e)}\n")
        return 1
    try:
        run(conn, args["text"], tuple(args["kinds"]), args["limit"], args["offset"], args["json"])
    except Exception:
        if os.environ.get("FINDINGS_DEBUG"):
            raise
        return None  # nothing printed yet: Click runs the command again and reports the error properly
    finally:
        conn.close()
    return 0


def run(conn, text: str, kinds: tuple[str, ...], limit: int, offset: int, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    """Search and print: JSON, or hits rendered for a terminal or a pipe."""
    from store.search import count
    from store.search import search as run_search

    hits = run_search(conn, text, kinds=kinds or None, limit=limit, offset=offset)
    prefix = False
    if not hits and offset == 0 and not text[-1:].isspace():
        # nothing for the word as typed: try it as the start of a word (`wech` -> WeChat)
        hits = run_search(conn, text, kinds=kinds or None, limit=limit, as_you_type=True)
        prefix = bool(hits)
    if as_json:
        echo_json([_hit_json(h) for h in hits])
        return
    total, capped = offset + len(hits), False
    if len(hits) == limit:
        total, capped = 0, False
        for kind in kinds or KINDS:
            n, more = count(conn, text, kind=kind, cap=COUNT_CAP, as_you_type=prefix)
            total, capped = total + n, capped or more
    emit(render(text, hits, offset=offset, total=total, capped=capped, prefix=prefix))


def _hit_json(h) -> dict:  # type: ignore[no-untyped-def]
    out = {
        "kind": h.kind,
        "id": h.id,
        "title": h.title,
        "snippet": h.snippet,
        "highlights": [list(r) for r in h.highlights],
        "score": h.score,
    }
    if h.kind == "evidence":
        out.update(date=h.date, category=h.category, status=h.status)
    else:
        out["evidence_count"] = h.count
    return out


def evidence_body(title: str, snippet: str, highlights: list[tuple[int, int]]) -> tuple[str, list, bool]:
    """(text, highlights, in_claim): the whole claim with the snippet's highlights moved onto it when the
    snippet comes from the claim; else the snippet itself (it matched the quote or linked names)."""
    lead = 1 if snippet.startswith("…") else 0
    core = snippet[lead:].removesuffix("…")
    pos = title.find(core) if core else -1
    if pos >= 0 and len(title) <= 600:
        shift = pos - lead
        moved = [(max(0, a + shift), min(len(title), b + shift)) for a, b in highlights]
        return title, [(a, b) for a, b in moved if b > a], True
    return snippet, highlights, pos >= 0


def render(text: str, hits: list, *, offset: int, total: int, capped: bool, prefix: bool = False) -> Doc:
    doc = Doc()
    if not hits:
        doc.line(("no results for ", "dim"), (f"'{visible(text)}'", None))
        return doc
    if prefix:
        doc.line((f"no exact matches; words starting with '{visible(text.split()[-1])}':", "dim"))
    for i, h in enumerate(hits, start=offset + 1):
        if h.kind == "evidence":
            spans: list = [(f"{i:>3}. ", "dim")]
            if h.status in ("unreviewed", "disputed"):
                spans.append((h.status.upper() + " ", "warn"))
            spans += [
                (h.date or "undated", "dim"),
                (" · ", "dim"),
                (h.category or "", "kind"),
                ("  ", None),
                (h.id, "id"),
            ]
            doc.line(*spans)
            body, spans_hl, in_claim = evidence_body(h.title, h.snippet, h.highlights)
            if in_claim:
                doc.para(body, spans_hl, indent=5)
            else:
                doc.para(_cut(h.title, 300), indent=5)
                part, part_hl = window(body, spans_hl, 60)
                doc.para("matched: " + part, [(a + 9, b + 9) for a, b in part_hl], indent=5, style="dim")
        else:
            n = h.count or 0
            doc.line(
                (f"{i:>3}. ", "dim"),
                (h.kind, "kind"),
                ("  ", None),
                (h.title, "title"),
                ("  ", None),
                (h.id, "id"),
                (f"  {n:,} finding{'s' if n != 1 else ''}", "dim"),
            )
            if h.snippet and h.snippet != h.title:
                doc.para(h.snippet, h.highlights, indent=5, style="dim")
    shown = f"{offset + 1}–{offset + len(hits)}"
    more = f"{total:,}{'+' if capped else ''}"
    doc.blank()
    hint = "  (--offset for more)" if capped or total > offset + len(hits) else ""
    doc.line((f"{shown} of {more} hits{hint}", "dim"))
    return doc


def window(text: str, highlights: list[tuple[int, int]], size: int) -> tuple[str, list[tuple[int, int]]]:
    """About `size` characters of `text` around its first highlight, with the highlights moved to match."""
    if len(text) <= size:
        return text, highlights
    first = highlights[0][0] if highlights else 0
    start = max(0, min(first - size // 3, len(text) - size))
    end = start + size
    if start:  # begin and end on word boundaries when there is one nearby
        space = text.find(" ", start, min(first, start + 15))
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", max(start, end - 15), end)
        end = space if space > first else end
    part = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    shift = (1 if start else 0) - start
    moved = [(max(0, a + shift), min(len(part), b + shift)) for a, b in highlights if b > start and a < end]
    return part, moved


def _cut(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"
