"""The table behind each kind of record, and how search reads it: the one kind -> table map of store/."""

from __future__ import annotations

from store.schema import FTS_COLUMNS


class Table:
    """`name`: the table (its FTS index is `<name>_fts`); `label`: the column people know a row by;
    `text`: the columns its FTS index holds, in order (store.schema); `weights`: bm25 weights for them (a
    word in a name counts more than in a summary)."""

    __slots__ = ("label", "name", "text", "weights")

    def __init__(self, name: str, label: str, weights: str) -> None:
        self.name, self.label, self.weights = name, label, weights
        self.text: tuple[str, ...] = FTS_COLUMNS[name]

    def __repr__(self) -> str:
        return f"Table({self.name!r})"


# The matching keys (the last two columns of each index: keys, stems) weigh least, so that a word as typed
# ranks above its other spellings and word forms (store.search.variants).
TABLES: dict[str, Table] = {
    "actor": Table("actors", "name", "10.0, 1.0, 5.0, 0.5, 0.5"),  # name, summary, aka, keys, stems
    "region": Table("regions", "name", "10.0, 5.0, 2.0, 0.5, 0.5"),  # name, aka, places, keys, stems
    "source": Table("sources", "title", "1.0, 0.2, 0.2"),  # title, keys, stems
    # a word in the claim counts more than in the quote, and both more than in the names of linked entities
    "evidence": Table("evidence", "claim", "4.0, 2.0, 1.0, 0.5, 0.5"),
}
ENTITY_KINDS = ("actor", "region", "source")  # searched before findings, in this order


def marks(n: int) -> str:
    """`?,?,?` for an IN list of `n` values."""
    return ",".join("?" * n)
