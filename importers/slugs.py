"""Ids for records made from names: lowercase ASCII slugs (`store.vocab.check_id`), Cyrillic transliterated."""

from __future__ import annotations

import hashlib
import re

from importers.matcher import strip_diacritics

# Russian and Ukrainian letters, as in common English transliteration (enough for readable ids).
_CYRILLIC = dict(
    zip(
        "абвгґдеєёжзиіїйклмнопрстуфхцчшщъыьэюя",
        "a b v g g d e ye yo zh z i i yi y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".split(),
        strict=True,
    )
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 60


def short_hash(text: str, n: int = 6) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def slugify(text: str | None, *, limit: int = MAX_SLUG) -> str | None:
    """'Huawei Technologies Co., Ltd.' -> 'huawei-technologies-co-ltd'; None when nothing is left."""
    if not text:
        return None
    lowered = text.lower()
    if not lowered.isascii():
        lowered = "".join(_CYRILLIC.get(c, c) for c in lowered).replace("_", "")
        lowered = strip_diacritics(lowered)
    slug = _NOT_SLUG.sub("-", lowered).strip("-")
    if len(slug) > limit:
        cut = slug[:limit]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[limit // 2 :] else cut
        slug = slug.strip("-")
    return slug or None
