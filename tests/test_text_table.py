"""The one text-safety table (store.text): which characters a reader sees instead of having them obeyed or hidden,
the one form each takes, the joiners that scripts need, the block form, highlight ranges, and JSON that keeps
the data exactly."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.text import hidden_characters, in_table, json_safe, printable, printable_spans

# Every range the table names, as (first, last): what the module docstring promises.
TABLE = [
    (0x00, 0x08),
    (0x0B, 0x0C),
    (0x0E, 0x1F),
    (0x7F, 0x9F),
    (0xAD, 0xAD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180E, 0x180E),
    (0x200B, 0x200B),
    (0x200E, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xD800, 0xDFFF),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF9, 0xFFFB),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE007F),
]
IN_CONTEXT = "\u200c\u200d\ufe00\ufe0f\U000e0100\U000e01ef"
IN_CONTEXT_ALL = {chr(c) for a, b in ((0x200C, 0x200D), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF)) for c in range(a, b + 1)}
TABLE_CHARS = [chr(c) for a, b in TABLE for c in range(a, b + 1)]


def test_every_character_of_the_table_has_one_visible_form() -> None:
    for ch in TABLE_CHARS:
        shown = printable(f"a{ch}b")
        code = ord(ch)
        expected = chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else f"<U+{code:04X}>"
        assert shown == f"a{expected}b", hex(code)
        assert printable(f"a{ch}b", keep_newlines=True) == shown  # the block form shows them the same way
        assert hidden_characters(f"a{ch}b") == [f"U+{code:04X}"]
        assert in_table(ch)
    table = {*TABLE_CHARS, *IN_CONTEXT_ALL, "\t", "\n", "\r"}
    assert [hex(c) for c in range(0x110000) if in_table(chr(c)) != (chr(c) in table)] == []  # nothing more


def test_forms_match_the_examples_people_see() -> None:
    assert printable("a\x1b[2Jb") == "a␛[2Jb"
    assert printable("Hua\u200bwei") == "Hua<U+200B>wei"
    assert printable("next \x85 line") == "next <U+0085> line"  # C1 NEL: one form, not \x85 or U+FFFD
    assert printable("\u202etxt.exe") == "<U+202E>txt.exe"
    assert printable("\ufeffbom \u2028sep") == "<U+FEFF>bom <U+2028>sep"
    assert printable("hidden\U000e0068\U000e0069") == "hidden<U+E0068><U+E0069>"
    assert printable(None) == "" and printable(12) == "12"


def test_tabs_and_line_breaks_follow_the_form() -> None:
    text = "one\ttwo\nthree\r\nfour\rfive"
    assert printable(text) == "one two three  four five"  # line form: one space for each
    assert printable(text, keep_newlines=True) == "one\ttwo\nthree\nfour␍five"  # a lone CR could overwrite a line


@pytest.mark.parametrize(
    "text",
    [
        "می\u200cخواهم",  # Persian: the non-joiner is part of the spelling
        "کتاب\u200cها",
        "क्\u200dष",  # Devanagari: the joiner after a virama
        "ক্\u200cষ",  # Bengali
        "👩\u200d🔬",  # an emoji sequence
        "👨\u200d❤\ufe0f\u200d👨",
        "❤\ufe0f",  # emoji presentation
        "1\ufe0f\u20e3",  # a keycap
        "葛\U000e0100",  # an ideographic variation sequence
    ],
)
def test_joiners_and_selectors_stay_where_a_script_needs_them(text: str) -> None:
    assert printable(text) == text
    assert hidden_characters(text) == []
    assert json.loads(json_safe(json.dumps(text, ensure_ascii=False))) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Hua\u200cwei", "Hua<U+200C>wei"),
        ("Хуа\u200dвэй", "Хуа<U+200D>вэй"),  # Cyrillic never joins
        ("华\u200d为", "华<U+200D>为"),  # nor Chinese
        ("\u200cمی", "<U+200C>می"),  # at the edge of a word it joins nothing
        ("می\u200c ", "می<U+200C> "),
        ("A\ufe0fB", "A<U+FE0F>B"),  # a Latin letter takes no variation selector
        ("\ufe0fstart", "<U+FE0F>start"),
        ("❤\ufe0f\ufe0f", "❤\ufe0f<U+FE0F>"),  # one selector per character
        ("a\u200d\U0001f52c", "a<U+200D>\U0001f52c"),  # a joiner after a letter joins no emoji
    ],
)
def test_joiners_and_selectors_elsewhere_are_shown(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_highlight_ranges_move_onto_the_shown_text() -> None:
    text = "x\u200by \x1b z\r\nw"
    shown, spans = printable_spans(text, [(0, 1), (1, 2), (2, 3), (0, len(text))])
    assert shown == "x<U+200B>y ␛ z  w"
    assert [shown[a:b] for a, b in spans] == ["x", "<U+200B>", "y", shown]
    block, spans = printable_spans(text, [(6, 9), (8, 9)], keep_newlines=True)
    assert block == "x<U+200B>y ␛ z\nw" and [block[a:b] for a, b in spans] == ["z\n", "\n"]


def test_the_old_names_are_the_table() -> None:
    from cli.render import visible

    assert visible("a\x85b\u200b") == printable("a\x85b\u200b") == "a<U+0085>b<U+200B>"


# ------------------------------------------------------------------------------------------------ properties

PIECES = st.one_of(
    st.characters(exclude_categories=("Cs",)),
    st.sampled_from(TABLE_CHARS),
    st.sampled_from([*IN_CONTEXT, "\r\n", "م", "क्", "👩", "❤"]),
)
ANY = st.lists(PIECES, max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(ANY)
def test_nothing_of_the_table_survives_and_showing_twice_changes_nothing(text: str) -> None:
    for keep in (False, True):
        shown = printable(text, keep_newlines=keep)
        assert hidden_characters(shown) == []
        assert printable(shown, keep_newlines=keep) == shown
        shown.encode("utf-8")  # even lone surrogates can be written


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(TABLE_CHARS), st.sampled_from("ab ж\t\n")), max_size=30))
def test_a_moved_range_holds_the_shown_form_of_what_it_covered(chars: list[str]) -> None:
    text = "".join(chars)
    cuts = [(a, b) for a in range(len(text) + 1) for b in range(a, len(text) + 1)][:200]
    shown, moved = printable_spans(text, cuts)
    assert shown == printable(text)
    for (a, b), (c, d) in zip(cuts, moved, strict=True):
        assert shown[c:d] == printable(text[a:b])


# A high surrogate then a low one is a pair in JSON's eyes (one character beyond U+FFFF): no JSON text can keep
# them apart, and no database text holds them (SQLite stores UTF-8, which cannot encode a surrogate).
JSON_TEXT = st.lists(
    st.one_of(
        st.characters(exclude_categories=("Cs",)),
        st.sampled_from([ch for ch in TABLE_CHARS if not "\udc00" <= ch <= "\udfff"]),
        st.sampled_from([*IN_CONTEXT, "\r\n", "م", "👩", "❤"]),
    ),
    max_size=20,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        JSON_TEXT | st.integers(), lambda inner: st.lists(inner) | st.dictionaries(JSON_TEXT, inner), max_leaves=8
    )
)
def test_json_keeps_the_data_exactly_and_shows_nothing_raw(value: object) -> None:
    for indent in (None, 2):
        dumped = json_safe(json.dumps(value, ensure_ascii=False, indent=indent))
        assert json.loads(dumped) == value
        assert hidden_characters(dumped) == [] and "\x1b" not in dumped
        dumped.encode("utf-8")


def test_the_table_covers_every_invisible_format_character_but_the_documented_ones() -> None:
    """Unicode's format characters (Cf) are invisible by nature: each is in the table, or kept in context, or a
    visible sign (the Arabic number signs and the like that print a mark)."""
    visible_signs = {*range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x110BD, 0x110CD}
    egyptian = set(range(0x13430, 0x13456))  # hieroglyph format controls, which lay out visible signs
    for code in range(0x110000):
        ch = chr(code)
        if unicodedata.category(ch) != "Cf" or code in visible_signs | egyptian:
            continue
        assert in_table(ch), hex(code)
