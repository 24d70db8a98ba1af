"""The search query language: what a person types, parsed into terms and qualifiers.

    yuan crimea              every word must match (AND)
    "bank branches"          a phrase
    yuan OR usdt             either word; OR binds tighter than the implicit AND: `a b OR c` is a AND (b OR c)
    -bank  NOT bank          exclude a word (or a -"phrase")
    wech*                    a prefix
    actor:china              linked to an actor (id, name or alias; `actor:"People's Republic of China"`)
    region:crimea            linked to a region or one of its parts (id, name or alias)
    country:cn               linked to an actor of a country: ISO 3166-1 code (`CN`, `CHN`) or English name
                             (`country:China`, `country:"North Korea"`); `country:CN,IR` is either
    category:finance         a category; `category:finance,trade` is either
    source:ID  status:curated  kind:actor  after:2024  before:2025-06
    lang:uk                  findings in a language (ISO 639-1: uk, ru, en); `lang:uk,ru` is either
    match:exact              the words as typed only: no other scripts, spellings or word forms
                             (by default `Krym` also finds Крим, Криму and Krim: store.search.variants)

Rules, so that no input is an error:
- `name:value` with a name that is a word but no qualifier (`colour:red`) is an unknown qualifier: left out of
  the search, with a note (see store.search.notes); URLs (`http://x`, `mailto:`, `doi:`) and times (`10:30`)
  are plain words, and so is `name:` without a value; an empty value (`actor:`) is ignored;
- a qualifier value that names nothing (`actor:nosuch`, `category:financ`, `after:2025-13`) is left out too,
  with a note; the rest of the query still runs (a query of nothing but such parts finds nothing);
- repeated `actor:`/`region:`/`country:` qualifiers must all hold (linked to both); repeated single-valued ones
  (`category:`, `status:`, `source:`, `kind:`) are alternatives, like a comma list;
- `after:D` keeps findings dated in or after the period D (`after:2024` includes 2024); `before:D` keeps those
  dated before D begins; undated findings are left out by either;
- in as-you-type mode the last word, unless followed by a space, is a prefix (from 2 characters; a single
  trailing character is ignored until the next one is typed), and a last qualifier that names nothing yet is
  left out without a note;
- terms without a letter or digit (`*`, `-`, `^`, emoji) are dropped: the FTS tokenizer would ignore them too;
- words joined by a list's punctuation without a space (`Крим,Донецьк`, `Iran/China`, `(China)`) are words of
  their own, each to match, as with a space between them; a hyphen, an apostrophe or a point keeps a word whole
  (`Ka-52`, `Huawei's`), and so does a comma between digits (`12,5`);
- at most 32 AND-ed clauses, 16 alternatives per OR, 16 exclusions and 32 qualifiers are used (the rest is
  ignored), which keeps pathological 10,000-character queries fast.

FTS5 expressions are built only from terms this module quotes itself (`"term"`, inner quotes doubled, `"term"*`
for a prefix); user text never reaches MATCH raw.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from store.text import without_hidden

# In the order the notes list them.
QUALIFIER_NAMES = (
    "actor",
    "region",
    "country",
    "category",
    "source",
    "status",
    "kind",
    "after",
    "before",
    "lang",
    "match",
)
QUALIFIERS = frozenset(QUALIFIER_NAMES)
# `scheme:value` forms that are addresses, not qualifiers (with `//` after the colon, any scheme is one)
URI_SCHEMES = frozenset({"mailto", "urn", "doi", "tel", "isbn", "issn", "magnet"})
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

# `match:` values: whether words also find their other scripts, spellings and word forms
MATCH_MODES = {"exact": False, "variants": True}
EXACT = "match:exact"  # what the explorer's switch adds to a query

MAX_CLAUSES = 32
MAX_ALTERNATIVES = 16
MAX_EXCLUDED = 16
MAX_QUALIFIERS = 32
MIN_TYPING_PREFIX = 2

_QUALIFIER = re.compile(r"([^\W\d_]+):(.*)", re.DOTALL)  # a word of letters, then a colon
_LIST_PUNCTUATION = re.compile(r"(?<!\d),|,(?!\d)|[;/()|+&\[\]{}<>]")  # between two words of a list
_SURROGATE = re.compile("[\ud800-\udfff]")
_DATE = re.compile(r"(\d{4})(?:-(\d\d)(?:-(\d\d))?)?")
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
DATE_FORMS = "YYYY, YYYY-MM or YYYY-MM-DD"


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
        self.name = name  # one of QUALIFIERS (in Query.unknown: the name as typed)
        self.values = values  # alternatives (a comma list)
        self.negated = negated
        self.typing = typing  # the last token of an as-you-type query: dropped if it does not resolve

    def __repr__(self) -> str:
        return f"Qualifier({self.name!r}, {self.values!r}, negated={self.negated}, typing={self.typing})"


class Query:
    """A parsed query: `clauses` (AND of ORs of terms), `excluded` terms, `qualifiers`, and `unknown`
    qualifiers (`colour:red`: a name that is no qualifier), which the search leaves out with a note."""

    __slots__ = ("clauses", "dropped", "excluded", "qualifiers", "unknown")

    def __init__(self) -> None:
        self.clauses: list[list[Term]] = []
        self.excluded: list[Term] = []
        self.qualifiers: list[Qualifier] = []
        self.unknown: list[Qualifier] = []
        self.dropped = 0  # words, alternatives and exclusions beyond the limits (MAX_CLAUSES...): left out

    def __repr__(self) -> str:
        return (
            f"Query(clauses={self.clauses!r}, excluded={self.excluded!r}, qualifiers={self.qualifiers!r}, "
            f"unknown={self.unknown!r})"
        )

    @property
    def has_text(self) -> bool:
        return bool(self.clauses)

    @property
    def is_empty(self) -> bool:
        return not (self.clauses or self.excluded or self.qualifiers or self.unknown)

    @property
    def evidence_only(self) -> bool:
        """Whether a qualifier applies only to findings (all but `kind:` and `match:`): `actor:china` filters
        findings, it does not search the list of actors."""
        return any(q.name not in ("kind", "match") for q in self.qualifiers)

    @property
    def variants(self) -> bool:
        """Whether words also find their other scripts, spellings and word forms (unless `match:exact`)."""
        for q in self.qualifiers:
            if q.name == "match" and not q.negated and any(MATCH_MODES.get(v.lower()) is False for v in q.values):
                return False
        return True

    def match(self, term: Callable[[Term], str] = Term.fts) -> str | None:
        """The FTS5 expression for the positive terms, with the exclusions as NOT; None without positive terms.
        `term` makes each term's expression (store.search.variants adds other spellings)."""
        if not self.clauses:
            return None
        positive = " AND ".join("(" + " OR ".join(term(t) for t in clause) + ")" for clause in self.clauses)
        if self.excluded:
            return f"({positive}) NOT ({self.excluded_match(term)})"
        return positive

    def excluded_match(self, term: Callable[[Term], str] = Term.fts) -> str | None:
        """The FTS5 expression matching any excluded term (for queries that only exclude)."""
        return " OR ".join(term(t) for t in self.excluded) or None

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


def date_problem(text: str) -> str | None:
    """Why `text` is not a date of the query language (YYYY, YYYY-MM or YYYY-MM-DD): '' when it does not have
    that form, 'month 13 does not exist' and the like when it has; None for a date."""
    m = _DATE.fullmatch(text)
    if m is None:
        return ""
    if m.group(2) is None:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        return f"month {month} does not exist"
    if m.group(3) is None:
        return None
    day = int(m.group(3))
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= day <= _MONTH_DAYS[month - 1] - (month == 2 and not leap):
        return f"day {day} does not exist in {year:04d}-{month:02d}"
    return None


class _Token:
    __slots__ = ("at_end", "closed", "known", "negated", "prefix", "qualifier", "quoted", "text")

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
        known: bool = True,  # `qualifier` is one of QUALIFIERS
    ) -> None:
        self.text, self.quoted, self.negated, self.prefix = text, quoted, negated, prefix
        self.qualifier, self.at_end, self.closed, self.known = qualifier, at_end, closed, known


def _is_qualifier(name: str, value: str, quoted: bool) -> bool:
    """Whether `name:value` is meant as a qualifier (known or not): not an address (`http://x`, `mailto:x`),
    not a bare `name:` (a heading, `Note:`), not `std::x`."""
    if name.lower() in QUALIFIERS:
        return True
    if quoted:
        return True
    return bool(value) and value[0] not in "/:\\" and name.lower() not in URI_SCHEMES


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
        quoted_value = j < n and text[j] == '"'  # name:"quoted value"
        if m and _is_qualifier(m.group(1), m.group(2), quoted_value):
            name = m.group(1).lower()
            known = name in QUALIFIERS
            if not known:
                name = m.group(1)
            if quoted_value:
                end = text.find('"', j + 1)
                closed = end >= 0
                end = end if closed else n
                value, i = text[j + 1 : end], end + 1
                tokens.append(
                    _Token(
                        value, quoted=True, negated=negated, qualifier=name, at_end=i >= n, closed=closed, known=known
                    )
                )
            else:
                i = j
                tokens.append(_Token(m.group(2), negated=negated, qualifier=name, at_end=i >= n, known=known))
            continue
        i = j
        prefix = word.endswith("*")
        tokens.append(_Token(word.rstrip("*"), negated=negated, prefix=prefix, at_end=i >= n))
    return tokens


def nfc(text: str) -> str:
    """`text` in Unicode NFC, the form imports store ids and names in and lookups compare them in
    (store.integrity); ASCII, as most ids are, costs one check."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


_LATIN_MODIFIER_APOSTROPHE = re.compile(r"(?<=[A-Za-z])\u02bc(?=[A-Za-z])")


def typed_text(text: str | None) -> str:
    """What someone typed, as text SQLite can be given: a lone surrogate (U+D800-U+DFFF, not text; a terminal
    or a paste can hand one over) reads as U+FFFD."""
    return _SURROGATE.sub("\ufffd", text or "")


def parse(text: str, *, as_you_type: bool = False) -> Query:
    """Parse a query; never raises. See the module docstring for the language."""
    # NUL reads as a space; NFC as names are stored (the tokenizer splits an NFD accent off); a zero-width or
    # bidi character pasted inside a word is no part of it (`К\u200bрим` is Крим)
    text = nfc(without_hidden(typed_text(text).replace("\x00", " ")))
    # The Ukrainian apostrophe typed in a Latin word is the apostrophe its text has (`Peopleʼs` is People's)
    text = _LATIN_MODIFIER_APOSTROPHE.sub("'", text) if "\u02bc" in text else text
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
            into = q.qualifiers if tok.known else q.unknown
            if values and len(into) < MAX_QUALIFIERS:
                into.append(Qualifier(tok.qualifier, values, negated, typing=typing_this))
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
        if not tok.quoted and not tok.negated and not pending_not and not pending_or:
            parts = [part for part in _LIST_PUNCTUATION.split(word) if has_content(part)]
            if len(parts) > 1:  # `Крим,Донецьк`: each word to match, the last one the prefix typed
                for part in parts[:-1]:
                    if len(q.clauses) < MAX_CLAUSES:
                        q.clauses.append([Term(part)])
                    else:
                        q.dropped += 1
                word = parts[-1]
        term = Term(word, prefix)
        if tok.negated or pending_not:
            if len(q.excluded) < MAX_EXCLUDED:
                q.excluded.append(term)
            else:
                q.dropped += 1
        elif pending_or and q.clauses:
            if len(q.clauses[-1]) < MAX_ALTERNATIVES:
                q.clauses[-1].append(term)
            else:
                q.dropped += 1
        elif len(q.clauses) < MAX_CLAUSES:
            q.clauses.append([term])
        else:
            q.dropped += 1
        pending_or = False
        pending_not = False
    return q
