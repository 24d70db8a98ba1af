"""Matchers built from what the database knows: names, aliases, the gazetteer table, demonyms.

`entity_matcher` tags articles with actors and regions; `region_matcher` reads FtM addresses (regions only,
so that "Huawei Street" in an address does not link the company). Demonyms and places outside the occupied
regions are data, in importers/tagging.yaml.
"""

from __future__ import annotations

import sqlite3
from functools import cache
from pathlib import Path
from typing import Any

from importers.matcher import Matcher
from store.gazetteer import names

TAGGING_DATA = Path(__file__).resolve().parent / "tagging.yaml"


@cache
def tagging_data(path: Path = TAGGING_DATA) -> dict[str, Any]:
    """{'demonyms': {actor_id: [words]}, 'elsewhere': [place names]} from tagging.yaml."""
    import yaml

    if path == TAGGING_DATA and not path.is_file():  # inside a zip bundle (`findings bundle`): not a file
        from importlib.resources import files

        text = files(__package__).joinpath(path.name).read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    demonyms = {str(k): [str(w) for w in v or []] for k, v in (data.get("demonyms") or {}).items()}
    return {"demonyms": demonyms, "elsewhere": [str(p) for p in data.get("elsewhere") or []]}


def region_matcher(conn: sqlite3.Connection) -> Matcher:
    matcher = Matcher()
    for kind, ref_id, name in names(conn, actors=False):
        matcher.add(name, [(kind, ref_id)])
    for place in tagging_data()["elsewhere"]:
        matcher.add(place)
    return matcher


def entity_matcher(conn: sqlite3.Connection) -> Matcher:
    matcher = Matcher()
    actor_ids: set[str] = set()
    for kind, ref_id, name in names(conn):
        matcher.add(name, [(kind, ref_id)])
        if kind == "actor":
            actor_ids.add(ref_id)
    data = tagging_data()
    for actor_id, words in data["demonyms"].items():
        if actor_id in actor_ids:
            for word in words:
                matcher.add(word, [("actor", actor_id)])
    for place in data["elsewhere"]:
        matcher.add(place)
    return matcher
