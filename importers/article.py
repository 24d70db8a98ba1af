"""`findings import article PATH...`: plain text or Markdown -> a source, and a finding per tagged paragraph.

An article becomes one source (title from --source-title, else its first heading or line). Its text is cut
into paragraphs (at blank lines; at every line break when the text has no blank lines). `para N` counts the
paragraphs after the headline, as dataset/ does. Every paragraph that names a known actor or region
(importers/gazetteer.py: names, aliases, the gazetteer, demonyms) becomes an `unreviewed` finding of
category `other`, linked to everything it names; its claim is the paragraph itself, for a reviewer to
rewrite in the project's own words.

Importing the same article again (same URL, or the same text) updates its source and findings instead of
adding new ones: ids are the source id plus the paragraph number. A finding someone has since reviewed
(status curated or disputed) is left as it is; findings of paragraphs that no longer name anything are
removed, unless reviewed.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import click

from importers import loaders
from importers.matcher import Matcher, Target
from importers.slugs import short_hash, slugify
from importers.summary import print_summary
from store import vocab
from store.errors import DataError
from store.records import Batch, Evidence, ExternalId, Origin, Source
from store.text import printable

CATEGORY = "other"  # a paragraph's subject is for the reviewer to judge; tagging only says whom it names
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_PREFIX = re.compile(r"^\s{0,3}(?:>\s?|[-*+]\s+|\d{1,3}[.)]\s+)")
_HAS_BLANK_LINE = re.compile(r"\S[ \t]*\n[ \t]*\n")


@dataclass
class Paragraph:
    number: int
    line: int
    text: str
    heading: bool = False  # a Markdown heading: counted, as dataset/ counts section headings, never a finding
    last_line: int = 0  # its last line in the text (0: its first)
    tags: list[Target] = field(default_factory=list)


@dataclass
class Article:
    name: str  # as given on the command line (or <stdin>)
    file_sha256: str
    text_sha256: str  # of the text with whitespace normalised: the article's identity with no URL
    title: str
    paragraphs: list[Paragraph]
    text: str = ""  # as read, line breaks made "\n" (the lines paragraphs count): kept as the capture's text


# ------------------------------------------------------------------------------------------------- reading


def _clean(line: str, markdown: bool) -> str:
    if markdown:
        heading = _HEADING.match(line)
        if heading:
            line = heading.group(1)
        line = _PREFIX.sub("", line)
        line = _IMAGE.sub(r"\1", line)
        line = _LINK.sub(r"\1", line)
        line = _EMPHASIS.sub(r"\2", line)
    return line


def blocks(text: str, *, markdown: bool = False) -> list[tuple[int, list[str]]]:
    """(first line number, raw lines) of each paragraph; a Markdown heading is a paragraph of its own."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    by_blank_lines = bool(_HAS_BLANK_LINE.search(text.replace("\r\n", "\n")))
    out: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(lines, 1):
        if not line.strip() or (markdown and _RULE.match(line)):
            if current:
                out.append((start, current))
                current = []
            continue
        heading = markdown and _HEADING.match(line)
        if heading and current:
            out.append((start, current))
            current = []
        if not current:
            start = number
        current.append(line)
        if heading or not by_blank_lines:
            out.append((start, current))
            current = []
    if current:
        out.append((start, current))
    return out


def _one_line(lines: list[str], markdown: bool) -> str:
    return " ".join(" ".join(_clean(line, markdown) for line in lines).split())


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse_article(name: str, data: bytes, *, title: str | None = None, markdown: bool = False) -> Article:
    text = loaders.decode_text(data, name)
    parts = blocks(text, markdown=markdown)
    if not parts:
        raise DataError("is empty", file=name)
    first_line, first_lines = parts[0]
    headline = _one_line(first_lines[:1], markdown)
    if title is None:
        title, drop = headline, True
    else:
        drop = bool(markdown and _HEADING.match(first_lines[0])) or headline.casefold() == title.casefold()
    if drop:
        parts[0] = (first_line + 1, first_lines[1:])
    if not title:
        raise DataError("has no title: give one with --source-title", file=name, line=first_line)
    paragraphs: list[Paragraph] = []
    for line, lines in parts:
        para = _one_line(lines, markdown)
        if para:
            heading = bool(markdown and len(lines) == 1 and _HEADING.match(lines[0]))
            number = len(paragraphs) + 1
            last = line + len(lines) - 1
            paragraphs.append(Paragraph(number, line, _shorten(para, vocab.MAX_TEXT), heading, last_line=last))
    return Article(
        name=name,
        file_sha256=hashlib.sha256(data).hexdigest(),
        text_sha256=hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest(),
        title=_shorten(title, vocab.MAX_TITLE),
        paragraphs=paragraphs,
        text=text.replace("\r\n", "\n").replace("\r", "\n"),
    )


def read_article(path: str, *, title: str | None = None) -> Article:
    name = loaders.display_path(path)
    data = loaders.read_bytes(path)
    return parse_article(name, data, title=title, markdown=str(path).lower().endswith(MARKDOWN_SUFFIXES))


# ------------------------------------------------------------------------------------------------- mapping


@dataclass
class Options:
    title: str | None = None
    url: str | None = None
    published: str | None = None
    publisher: str | None = None


def check_options(title: str | None, url: str | None, published: str | None, publisher: str | None) -> Options:
    checks = (
        ("--source-title", title, lambda v: vocab.check_text(v, limit=vocab.MAX_TITLE)),
        ("--url", url, vocab.check_url),
        ("--published", published, vocab.check_date),
        ("--publisher", publisher, lambda v: vocab.check_text(v, limit=vocab.MAX_NAME)),
    )
    values = []
    for option, value, check in checks:
        try:
            values.append(check(value))
        except ValueError as e:
            raise DataError(str(e), file="command line", field=option) from None
    return Options(*values)


@dataclass
class Outcome:
    article: Article
    source_id: str
    existing: bool
    kept: list[str]  # findings left alone because someone reviewed them
    removed: list[str]  # findings of paragraphs that no longer name anything


def _new_source_id(conn: sqlite3.Connection, article: Article, opts: Options, taken: set[str]) -> str:
    from store.write import existing_ids

    base = slugify(article.title) or "article"
    candidates = [base, f"{base}-{short_hash(opts.url or article.text_sha256)}"]
    in_db = existing_ids(conn, "sources", candidates)
    for candidate in candidates:
        if candidate not in in_db and candidate not in taken:
            return candidate
    return f"{base}-{short_hash(article.text_sha256, 12)}"


def article_batch(
    conn: sqlite3.Connection, article: Article, opts: Options, matcher: Matcher, taken: set[str]
) -> tuple[Batch, Outcome]:
    """The source and findings of one article, and what happens to the findings an earlier import made."""
    from store import articles

    source_id = articles.known_source(conn, url=opts.url, text_sha256=article.text_sha256)
    stored = articles.source_fields(conn, source_id) if source_id else None
    existing = stored is not None
    if source_id is None or stored is None:
        source_id, stored = _new_source_id(conn, article, opts, taken), {}
    origin = Origin(article.name, article.paragraphs[0].line if article.paragraphs else 1, "article")
    source = Source(
        id=source_id,
        title=article.title,
        publisher=opts.publisher or stored.get("publisher"),
        authors=stored.get("authors"),
        url=opts.url or stored.get("url"),
        published=opts.published or stored.get("published"),
        kind=stored.get("kind") or "news-article",
        accessed=stored.get("accessed"),
        notes=stored.get("notes")
        or f"Imported with `findings import article` from {Path(article.name).name}; its findings are the "
        "paragraphs that name a known actor or region, unreviewed.",
        origin=origin,
    )
    batch = Batch(sources=[source])
    batch.external_ids.append(ExternalId(articles.HASH_SYSTEM, article.text_sha256, "source", source_id))
    if source.url:
        batch.external_ids.append(ExternalId(articles.URL_SYSTEM, source.url, "source", source_id))

    prefix = f"{source_id}-para-"
    before = articles.paragraph_findings(conn, source_id, prefix) if existing else {}
    kept: list[str] = []
    made: set[str] = set()
    for para in article.paragraphs:
        para.tags = [] if para.heading else matcher.tags(para.text)
        if not para.tags:
            continue
        evidence_id = f"{prefix}{para.number}"
        made.add(evidence_id)
        if before.get(evidence_id, "unreviewed") != "unreviewed":
            kept.append(evidence_id)
            continue
        batch.evidence.append(
            Evidence(
                id=evidence_id,
                claim=para.text,
                category=CATEGORY,
                source_id=source_id,
                locator=f"para {para.number}",
                status="unreviewed",
                actors=[(ref, None) for kind, ref in para.tags if kind == "actor"],
                regions=[ref for kind, ref in para.tags if kind == "region"],
                origin=Origin(article.name, para.line, f"para {para.number}"),
            )
        )
    removed = sorted(i for i, status in before.items() if i not in made and status == "unreviewed")
    kept += sorted(i for i, status in before.items() if i not in made and status != "unreviewed")
    return batch, Outcome(article, source_id, existing, kept, removed)


# ------------------------------------------------------------------------------------------------- command


def run_import(
    db_path: Path,
    paths: tuple[str, ...],
    *,
    title: str | None = None,
    url: str | None = None,
    published: str | None = None,
    publisher: str | None = None,
    dry_run: bool = False,
) -> None:
    from importers.gazetteer import entity_matcher
    from importers.session import ImportSession, Kept
    from store import articles

    if len(paths) > 1 and (title or url):
        raise click.UsageError("--source-title and --url describe one article: import one file at a time")
    opts = check_options(title, url, published, publisher)
    texts = [read_article(path, title=opts.title) for path in paths]  # every file is read before any write

    outcomes: list[Outcome] = []
    with ImportSession(db_path, "article", dry_run=dry_run) as session:
        assert session.conn is not None
        matcher = entity_matcher(session.conn)
        taken: set[str] = set()
        for article in texts:
            batch, outcome = article_batch(session.conn, article, opts, matcher, taken)
            taken.add(outcome.source_id)
            kept = Kept(
                source_id=outcome.source_id,
                text=article.text,
                paragraphs=[(p.number, p.line, p.last_line or p.line) for p in article.paragraphs],
            )
            session.add_file(article.name, article.file_sha256, kept=kept)
            session.add(batch)
            if outcome.removed and not dry_run:
                import_id = session.log_files().get(article.name)
                articles.delete_findings(session.conn, outcome.removed, who=session.who, import_id=import_id)
            outcomes.append(outcome)
        tagged = {t for o in outcomes for p in o.article.paragraphs for t in p.tags}
        names = articles.display_names(session.conn, tagged)

    if dry_run:
        for outcome in outcomes:
            _print_paragraphs(outcome)
    print_summary(session.counts, dry_run=dry_run, title=f"import article: {len(outcomes)} file(s)")
    _print_outcomes(outcomes, names, dry_run)


def _print_paragraphs(outcome: Outcome) -> None:
    article = outcome.article
    state = "existing source" if outcome.existing else "new source"
    click.echo(f"{printable(article.name)}: {printable(article.title)!r} -> {state} {outcome.source_id}")
    for para in article.paragraphs:
        tags = "heading" if para.heading else ", ".join(ref for _, ref in para.tags) or "-"
        click.echo(f"  para {para.number}: [{tags}]")
        click.echo(f"    {printable(_shorten(para.text, 200))}")


def _print_outcomes(outcomes: list[Outcome], names: dict[Target, str], dry_run: bool) -> None:
    would = "would be " if dry_run else ""
    for outcome in outcomes:
        if outcome.kept:
            click.echo(f"{outcome.source_id}: {len(outcome.kept)} reviewed finding(s) left as they are")
        if outcome.removed:
            click.echo(
                f"{outcome.source_id}: {len(outcome.removed)} finding(s) {would}removed "
                "(their paragraphs no longer name a known actor or region)"
            )
    counts: Counter[Target] = Counter(t for o in outcomes for p in o.article.paragraphs for t in p.tags)
    paragraphs = sum(len(o.article.paragraphs) for o in outcomes)
    tagged = sum(1 for o in outcomes for p in o.article.paragraphs if p.tags)
    if not counts:
        click.echo(f"no paragraph of {paragraphs} names a known actor or region")
        return
    click.echo(f"tagged {tagged} of {paragraphs} paragraph(s):")
    for (kind, ref), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        name = names.get((kind, ref), ref)
        click.echo(f"  {n:>5}  {kind:<6}  {ref}  ({printable(name)})")
