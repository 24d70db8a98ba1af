"""The search query language: what a person types, parsed into terms and qualifiers.

    yuan crimea              every word must match (AND)
    "bank branches"          a phrase
    yuan OR usdt             either word; OR binds tighter than the implicit AND: `a b OR c` is a AND (b OR c)
    -bank  NOT bank          exclude a word (or a -"phrase")
    wech*                    a prefix
    actor:china              linked to an actor (id, name or alias; `actor:"People's Republic of China"`)
    region:crimea            linked to a region or one of its parts (id, name or alias)
    category:finance         a category; `category:finance,trade` is either
    source:ID  status:curated  kind:actor  after:2024  before:2025-06

Rules, so that no input is an error:
- an unknown qualifier name (`foo:bar`, `http://x`) is a plain word; an empty value (`actor:`) is ignored;
- repeated `actor:`/`region:` qualifiers must all hold (linked to both); repeated single-valued ones (`category:`,
  `status:`, `source:`, `kind:`) are alternatives, like a comma list;
- `after:D` keeps findings dated in or after the period D (`after:2024` includes 2024); `before:D` keeps those
  dated before D begins; undated findings are left out by either;
- in as-you-type mode the last word, unless followed by a space, is a prefix (from 2 characters; a single
  trailing character is ignored until the next one is typed);
- terms without a letter or digit (`*`, `-`, `^`, emoji) are dropped: the FTS tokenizer would ignore them too;
- at most 32 AND-ed clauses, 16 alternatives per OR, 16 exclusions and 32 qualifiers are used (the rest is
  ignored), which keeps pathological 10,000-character queries fast.

FTS5 expressions are built only from terms this module quotes itself (`"term"`, inner quotes doubled, `"term"*`
for a prefix); user text never reaches MATCH raw.
"""

from __future__ import annotations

import re
import unicodedata

QUALIFIERS = frozenset({"actor", "region", "category", "source", "status", "kind", "after", "before"})
KINDS = ("actor", "region", "source", "evidence")
KIND_WORDS = {
    "actor": "actor",
    "actors": "actor",
    "region": "region",
    "regions": "region",
    "source": "source",
    "sources": "source",
    "evidence": "evidence",
    "finding": "evidence",
    "findings": "evidence",
}

MAX_CLAUSES = 32
MAX_ALTERNATIVES = 16
MAX_EXCLUDED = 16
MAX_QUALIFIERS = 32
MIN_TYPING_PREFIX = 2

_QUALIFIER = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_DATE = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?")


# Plain classes, not dataclasses: this module is on the path of every `findings search` process, where each
# dataclass costs about half a millisecond to create.
class Term:
    """A word or phrase to match; `prefix` matches any word starting with its last word."""

    __slots__ = ("prefix", "text")

    def __init__(self, text: str, prefix: bool = False) -> None:
        self.text, self.prefix = text, prefix

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Term) and (self.text, self.prefix) == (other.text, other.prefix)

    def __hash__(self) -> int:
        return hash((self.text, self.prefix))

    def __repr__(self) -> str:
        return f"Term({self.text!r}, prefix={self.prefix})"

    def fts(self) -> str:
        return '"' + self.text.replace('"', '""') + '"' + ("*" if self.prefix else "")


class Qualifier:
    __slots__ = ("name", "negated", "typing", "values")

    def __init__(self, name: str, values: tuple[str, ...], negated: bool = False, typing: bool = False) -> None:
        self.name = name  # one of QUALIFIERS
        self.values = values  # alternatives (a comma list)
        self.negated = negated
        self.typing = typing  # the last token of an as-you-type query: dropped if it does not resolve

    def __repr__(self) -> str:
        return f"Qualifier({self.name!r}, {self.values!r}, negated={self.negated}, typing={self.typing})"


class Query:
    """A parsed query: `clauses` (AND of ORs of terms), `excluded` terms and `qualifiers`."""

    __slots__ = ("clauses", "excluded", "qualifiers")

    def __init__(self) -> None:
        self.clauses: list[list[Term]] = []
        self.excluded: list[Term] = []
        self.qualifiers: list[Qualifier] = []

    def __repr__(self) -> str:
        return f"Query(clauses={self.clauses!r}, excluded={self.excluded!r}, qualifiers={self.qualifiers!r})"

    @property
    def has_text(self) -> bool:
        return bool(self.clauses)

    @property
    def is_empty(self) -> bool:
        return not (self.clauses or self.excluded or self.qualifiers)

    def match(self) -> str | None:
        """The FTS5 expression for the positive terms, with the exclusions as NOT; None without positive terms."""
        if not self.clauses:
            return None
        positive = " AND ".join("(" + " OR ".join(t.fts() for t in clause) + ")" for clause in self.clauses)
        if self.excluded:
            return f"({positive}) NOT ({self.excluded_match()})"
        return positive

    def excluded_match(self) -> str | None:
        """The FTS5 expression matching any excluded term (for queries that only exclude)."""
        return " OR ".join(t.fts() for t in self.excluded) or None

    def values(self, name: str) -> list[Qualifier]:
        return [q for q in self.qualifiers if q.name == name]


def has_content(text: str) -> bool:
    """Whether the FTS tokenizer (unicode61: letters, digits, private use) would find a token in `text`."""
    for ch in text:
        cat = unicodedata.category(ch)
        if cat[0] in "LN" or cat == "Co":
            return True
    return False


def fold(text: str) -> str:
    """Case- and diacritics-insensitive form, for comparing names: `Zaporižžja ` -> `zaporizzja`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def valid_date(text: str) -> bool:
    return _DATE.fullmatch(text) is not None


class _Token:
    __slots__ = ("at_end", "closed", "negated", "prefix", "qualifier", "quoted", "text")

    def __init__(
        self,
        text: str,
        *,
        quoted: bool = False,
        negated: bool = False,
        prefix: bool = False,
        qualifier: str | None = None,
        at_end: bool = False,  # nothing (not even a space) follows it
        closed: bool = True,  # a quoted token whose closing quote was typed
    ) -> None:
        self.text, self.quoted, self.negated, self.prefix = text, quoted, negated, prefix
        self.qualifier, self.at_end, self.closed = qualifier, at_end, closed


def tokenize(text: str) -> list[_Token]:
    """Split on whitespace, keeping "quoted phrases" (an unclosed quote runs to the end) and name:"quoted values"."""
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = False
        while i < n and text[i] == "-":
            negated = True
            i += 1
        if i >= n or text[i].isspace():
            continue  # a lone '-'
        if text[i] == '"':
            end = text.find('"', i + 1)
            closed = end >= 0
            end = end if closed else n
            value, i = text[i + 1 : end], end + 1
            prefix = False
            while i < n and text[i] == "*":
                prefix, i = True, i + 1
            tokens.append(_Token(value, quoted=True, negated=negated, prefix=prefix, at_end=i >= n, closed=closed))
            continue
        j = i
        while j < n and not text[j].isspace() and not (text[j] == '"' and j > i and text[j - 1] == ":"):
            j += 1
        word = text[i:j]
        m = _QUALIFIER.fullmatch(word)
        if m and m.group(1).lower() in QUALIFIERS:
            name = m.group(1).lower()
            if j < n and text[j] == '"':  # name:"quoted value"
                end = text.find('"', j + 1)
                closed = end >= 0
                end = end if closed else n
                value, i = text[j + 1 : end], end + 1
                tokens.append(_Token(value, quoted=True, negated=negated, qualifier=name, at_end=i >= n, closed=closed))
            else:
                i = j
                tokens.append(_Token(m.group(2), negated=negated, qualifier=name, at_end=i >= n))
            continue
        i = j
        prefix = word.endswith("*")
        tokens.append(_Token(word.rstrip("*"), negated=negated, prefix=prefix, at_end=i >= n))
    return tokens


def parse(text: str, *, as_you_type: bool = False) -> Query:
    """Parse a query; never raises. See the module docstring for the language."""
    text = (text or "").replace("\x00", " ")
    tokens = tokenize(text)
    q = Query()
    pending_or = False
    pending_not = False
    last = tokens[-1] if tokens else None
    for tok in tokens:
        typing_this = as_you_type and tok is last and tok.at_end
        if tok.qualifier is not None:
            pending_or = False
            negated = tok.negated or pending_not
            pending_not = False
            raw = tok.text.strip()
            values = (raw,) if tok.quoted else tuple(v.strip() for v in raw.split(","))
            values = tuple(v for v in values if v)
            if values and len(q.qualifiers) < MAX_QUALIFIERS:
                q.qualifiers.append(Qualifier(tok.qualifier, values, negated, typing=typing_this))
            continue
        if not tok.quoted and not tok.negated and not tok.prefix and tok.text in ("OR", "AND", "NOT"):
            if tok.text == "OR":
                pending_or = bool(q.clauses)
            elif tok.text == "NOT":
                pending_not = True
            continue
        word = tok.text
        prefix = tok.prefix
        if typing_this and (tok.negated or pending_not) and not (tok.quoted and tok.closed):
            word = ""  # an exclusion being typed: wait for the whole word rather than exclude its prefix
        elif typing_this and not prefix and not (tok.quoted and tok.closed):
            # the word being typed: a prefix, once it has enough characters to be worth it
            last_word = word.split()[-1] if word.split() else ""
            if len(last_word) >= MIN_TYPING_PREFIX and has_content(last_word):
                prefix = True
            elif tok.quoted and len(word.split()) > 1:
                word = " ".join(word.split()[:-1])
            else:
                word = ""
        if not has_content(word):
            pending_or = False
            pending_not = False
            continue
        term = Term(word, prefix)
        if tok.negated or pending_not:
            if len(q.excluded) < MAX_EXCLUDED:
                q.excluded.append(term)
        elif pending_or and q.clauses:
            if len(q.clauses[-1]) < MAX_ALTERNATIVES:
                q.clauses[-1].append(term)
        elif len(q.clauses) < MAX_CLAUSES:
            q.clauses.append([term])
        pending_or = False
        pending_not = False
    return q
