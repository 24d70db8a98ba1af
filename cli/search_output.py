"""What `findings search` prints: search, then the hits as text for a terminal or a pipe, or as JSON.

Importable without Click: the Click command (cli/search.py) and main.py's Click-free door both print through
`run`, so the two give the same output byte for byte.
"""

from __future__ import annotations

from cli.render import Doc, echo_json, emit, visible

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of a lookup process)

if TYPE_CHECKING:
    import sqlite3

    from store.search import Hit, ScopeCounts

KINDS = ("evidence", "actor", "region", "source")
DEFAULT_LIMIT = 20
MAX_LIMIT = 10_000
COUNT_CAP = 1_000  # the footer says "1,000+" beyond this: counting every match of a common word costs a query
VARIANT_MARK = "≈ other spelling"  # a hit found only through other scripts, spellings or word forms


def run(conn: sqlite3.Connection, text: str, kinds: tuple[str, ...], limit: int, offset: int, as_json: bool) -> None:
    """Search and print: JSON, or hits rendered for a terminal or a pipe; then, on stderr, why parts of the
    query named nothing and the query corrected (stdout stays the hits alone: `--json` stays JSON)."""
    _print_hits(conn, text, kinds, limit, offset, as_json)
    explain(conn, text)


def explain(conn: sqlite3.Connection, text: str, command: str = "findings search") -> None:
    """On stderr: one line per part of the query that names nothing (store.search.notes), then
    `did you mean: COMMAND '...'` with the query corrected, when there is a correction."""
    import sys

    from store.search import correction, notes

    lines = [visible(line) for line in notes(conn, text)]
    fixed = correction(conn, text)
    if fixed is not None:
        lines.append(f"did you mean: {command} {shell_quoted(visible(fixed))}")
    if lines:
        sys.stderr.write("".join(line + "\n" for line in lines))
        sys.stderr.flush()


def shell_quoted(text: str) -> str:
    """`text` as one shell word in single quotes (a quote inside written '\\'')."""
    return "'" + text.replace("'", "'\\''") + "'"


def _print_hits(
    conn: sqlite3.Connection, text: str, kinds: tuple[str, ...], limit: int, offset: int, as_json: bool
) -> None:
    from store.search import count
    from store.search import search as run_search

    hits = run_search(conn, text, kinds=kinds or None, limit=limit, offset=offset)
    prefix = False
    last = text.split()[-1] if text.split() else ""
    if not hits and offset == 0 and not text[-1:].isspace() and not last.startswith("-"):
        # nothing for the word as typed: try it as the start of a word (`wech` -> WeChat). Not for an exclusion
        # (`yuan -yuan`): read as typing, the exclusion is still being typed and left out, which found everything
        hits = run_search(conn, text, kinds=kinds or None, limit=limit, as_you_type=True)
        prefix = bool(hits)
    if as_json:
        echo_json([_hit_json(h) for h in hits])
        return
    total, capped = offset + len(hits), False
    if len(hits) == limit or (not hits and offset):  # (past the last hit: how many there are)
        total, capped = 0, False
        for kind in kinds or KINDS:
            n, more = count(conn, text, kind=kind, cap=COUNT_CAP, as_you_type=prefix)
            total, capped = total + n, capped or more
    scopes = None
    if any(h.scope for h in hits):  # a region asked for: how many findings are about it, how many general
        from store.search import EvidenceFilter, scope_counts

        scopes = scope_counts(conn, EvidenceFilter(query=text, as_you_type=prefix))
    emit(render(text, hits, offset=offset, total=total, capped=capped, prefix=prefix, scopes=scopes))


def _hit_json(h: Hit) -> dict[str, object]:
    out: dict[str, object] = {
        "kind": h.kind,
        "id": h.id,
        "title": h.title,
        "snippet": h.snippet,
        "highlights": [list(r) for r in h.highlights],
        "score": h.score,
        # matched only through another script, spelling or word form of the query (Krym -> Криму)
        "variant": h.variant,
    }
    if h.kind == "evidence":
        # scope: 'specific' (about the region asked for) or 'general' (about a wider region as a whole); null
        # when the query asks for no region
        out.update(date=h.date, category=h.category, status=h.status, scope=h.scope)
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


def render(
    text: str,
    hits: list,
    *,
    offset: int,
    total: int,
    capped: bool,
    prefix: bool = False,
    scopes: ScopeCounts | None = None,
) -> Doc:
    """The hits; with `scopes` (a region asked for), the general findings apart, after a line saying what they
    are about, each marked GENERAL, and the footer saying how many of each."""
    doc = Doc()
    if not hits and offset and total:
        more = "+" if capped else ""
        doc.line((f"no hits after {offset:,}: ", "dim"), (f"'{visible(text)}'", None), (f" has {total:,}{more}", "dim"))
        return doc
    if not hits and not text.strip():
        doc.line(("nothing to search for: give a word or a qualifier (findings search --help)", "dim"))
        return doc
    if not hits:
        doc.line(("no results for ", "dim"), (f"'{visible(text)}'", None))
        return doc
    if prefix:
        doc.line((f"no exact matches; words starting with '{visible(text.split()[-1])}':", "dim"))
    general_shown = False
    for i, h in enumerate(hits, start=offset + 1):
        if h.kind == "evidence":
            if h.scope == "general" and not general_shown:
                general_shown = True
                doc.blank()
                doc.para(general_heading(scopes), style="dim")
            spans: list = [(f"{i:>3}. ", "dim")]
            if h.scope == "general":
                spans.append(("GENERAL ", "warn"))
            if h.status in ("unreviewed", "disputed"):
                spans.append((h.status.upper() + " ", "warn"))
            spans += [
                (h.date or "undated", "dim"),
                (" · ", "dim"),
                (h.category or "", "kind"),
                ("  ", None),
                (h.id, "id"),
            ]
            if h.variant:
                spans.append(("  " + VARIANT_MARK, "dim"))
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
                ("  " + VARIANT_MARK if h.variant else "", "dim"),
            )
            if h.snippet and h.snippet != h.title:
                doc.para(h.snippet, h.highlights, indent=5, style="dim")
    shown = f"{offset + 1}–{offset + len(hits)}"
    more = f"{total:,}{'+' if capped else ''}"
    doc.blank()
    hint = "  (--offset for more)" if capped or total > offset + len(hits) else ""
    doc.line((f"{shown} of {more} hits{hint}", "dim"))
    if scopes is not None:
        doc.line((f"findings: {scopes.text()}", "dim"))
    return doc


def general_heading(scopes: ScopeCounts | None) -> str:
    """The line before the general findings of a list: what they are about, and what they are not."""
    if scopes is None:
        return "General: about a wider region as a whole, not about the region asked for in particular"
    return (
        f"General: about {', '.join(scopes.wider)} as a whole, "
        f"not about {', '.join(scopes.asked)} in particular ({scopes.general:,})"
    )


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
