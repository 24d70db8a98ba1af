"""Synthetic findings databases for benchmarks: N evidence rows of realistic text, deterministic per seed.

    python bench/generate.py                       # 1,000,000 findings -> bench/big.db
    python bench/generate.py --rows 10000 --out bench/10k.db

Text is drawn from a Zipf-distributed vocabulary (20,000+ words) mixed with the real actor and region names of
dataset/; 50k actors, 2k regions, 10k sources, 1-4 links per finding. Rows go in through the project's own import
path (importers.session.ImportSession -> store.write), so the import benchmark measures real code.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from store import vocab  # noqa: E402
from store.records import Actor, Batch, Evidence, Region, Source  # noqa: E402

COMMON = (
    "the of and to in a for on with by as from that at was were is are has have its their report company "
    "companies occupied territories region regional authorities bank branches yuan cash payments trade export "
    "import grain coal equipment telecom base stations network mobile supply logistics route port rail "
    "investment investor construction agriculture industry energy contract contractor proxy firm firms "
    "sanctions evasion delegation forum cooperation agreement ministry officials business businesses "
    "cryptocurrency currency delivery deliveries shipment shipments vessel vessels plant factory"
).split()
SYLLABLES = (
    "ka ri to ne mo sa lu vi de pa zo gra ber ten lin vos kor dar mir sev tal nov pol gor rus kam yan zar "
    "bel dol fen hir jor kel lam nar or pet qui ros sul tir ur val wen xan yel zim ab ec id ob ul"
).split()
ACTOR_KINDS = ("company", "company", "company", "organization", "person", "group", "state", "platform")
COUNTRIES = ("CN", "IR", "KP", "RU", "BY", "TR", "AE", "IN", "KZ", "UZ", "AM", "GE", "HK", "SY", "VE")


@dataclass
class Spec:
    rows: int = 1_000_000
    actors: int = 50_000
    regions: int = 2_000
    sources: int = 10_000
    vocabulary: int = 20_000
    seed: int = 42
    chunk: int = 10_000


class Generator:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.words = self._vocabulary()
        # Zipf: weight of rank r is 1/r.
        self.word_weights = list(itertools.accumulate(1 / r for r in range(1, len(self.words) + 1)))
        self.real_actors, self.real_regions = self._real_entities()

    def _vocabulary(self) -> list[str]:
        words, seen = list(COMMON), set(COMMON)
        rng = random.Random(self.spec.seed + 1)
        while len(words) < self.spec.vocabulary:
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            if word not in seen:
                seen.add(word)
                words.append(word)
        return words

    def _real_entities(self) -> tuple[list[Actor], list[Region]]:
        from importers.native import read_native

        batch = Batch()
        for name in ("actors", "regions"):
            for path in sorted((ROOT / "dataset" / name).glob("*.yaml")):
                batch.extend(read_native(path, "yaml")[0])
        return batch.actors, batch.regions

    def text(self, n_words: int, names: list[str]) -> str:
        words = self.rng.choices(self.words, cum_weights=self.word_weights, k=n_words)
        for name in names:
            words.insert(self.rng.randrange(len(words) + 1), name)
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def entities(self) -> Batch:
        spec, rng = self.spec, self.rng
        batch = Batch()
        batch.actors = list(self.real_actors)
        for i in range(spec.actors - len(batch.actors)):
            name = " ".join(w.capitalize() for w in rng.choices(self.words[200:], k=rng.randint(1, 3)))
            batch.actors.append(
                Actor(
                    id=f"actor-{i}",
                    name=f"{name} {i}",
                    kind=rng.choice(ACTOR_KINDS),
                    country=rng.choice(COUNTRIES),
                    summary=self.text(rng.randint(6, 20), []),
                    aliases=[f"{name[:12]} {i} Ltd"] if rng.random() < 0.2 else [],
                )
            )
        batch.regions = list(self.real_regions)
        parents = [r.id for r in self.real_regions]
        for i in range(spec.regions - len(batch.regions)):
            batch.regions.append(
                Region(
                    id=f"place-{i}",
                    name=f"{self.words[300 + i % 5000].capitalize()}sk {i}",
                    kind="city",
                    parent_id=rng.choice(parents),
                    aliases=[],
                )
            )
        for i in range(spec.sources):
            batch.sources.append(
                Source(
                    id=f"source-{i}",
                    title=self.text(rng.randint(5, 12), []),
                    publisher=rng.choice(("Desk A", "Desk B", "Monitor", "Institute", "Wire")),
                    kind=rng.choice(vocab.SOURCE_KINDS),
                    published=f"{rng.randint(2014, 2025)}-{rng.randint(1, 12):02d}",
                )
            )
        return batch

    def evidence(self) -> Iterator[Batch]:
        spec, rng = self.spec, self.rng
        actors = [a.id for a in self.real_actors] + [f"actor-{i}" for i in range(spec.actors - len(self.real_actors))]
        actor_names = {a.id: a.name for a in self.real_actors}
        regions = [r.id for r in self.real_regions] + [
            f"place-{i}" for i in range(spec.regions - len(self.real_regions))
        ]
        region_names = {r.id: r.name for r in self.real_regions}
        actor_weights = list(itertools.accumulate(1 / r for r in range(1, len(actors) + 1)))
        region_weights = list(itertools.accumulate(1 / r for r in range(1, len(regions) + 1)))
        categories = vocab.CATEGORIES
        batch = Batch()
        for i in range(spec.rows):
            linked_actors = list(dict.fromkeys(rng.choices(actors, cum_weights=actor_weights, k=rng.randint(1, 3))))
            linked_regions = list(
                dict.fromkeys(rng.choices(regions, cum_weights=region_weights, k=rng.randint(0, 1) + 1))
            )
            names = [actor_names[a] for a in linked_actors if a in actor_names][:1]
            names += [region_names[r] for r in linked_regions if r in region_names][:1]
            year = rng.randint(2014, 2025)
            date = rng.choice(
                (
                    f"{year}",
                    f"{year}-{rng.randint(1, 12):02d}",
                    f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                )
            )
            batch.evidence.append(
                Evidence(
                    id=f"ev-{i}",
                    claim=self.text(rng.randint(12, 40), names),
                    quote=self.text(rng.randint(4, 10), []) if rng.random() < 0.3 else None,
                    category=rng.choice(categories),
                    date=date if rng.random() < 0.9 else None,
                    quantity=rng.randint(1, 10_000) if rng.random() < 0.2 else None,
                    unit="units" if rng.random() < 0.2 else None,
                    source_id=f"source-{rng.randrange(spec.sources)}",
                    locator=f"para {rng.randint(1, 40)}",
                    status=rng.choice(("curated", "unreviewed", "unreviewed", "disputed")),
                    actors=[(a, None) for a in linked_actors],
                    regions=linked_regions,
                )
            )
            if len(batch.evidence) >= spec.chunk:
                yield batch
                batch = Batch()
        if batch.evidence:
            yield batch


def generate(out: Path, spec: Spec, *, quiet: bool = False) -> float:
    """Write a new database at `out` through the import path; returns seconds spent importing."""
    from importers.session import ImportSession

    for suffix in ("", "-wal", "-shm"):
        Path(f"{out}{suffix}").unlink(missing_ok=True)
    gen = Generator(spec)
    started = time.perf_counter()
    with ImportSession(out, "synthetic") as session:
        session.add(gen.entities())
        done = 0
        for batch in gen.evidence():
            session.add(batch)
            done += len(batch.evidence)
            if not quiet:
                rate = done / (time.perf_counter() - started)
                print(f"\r{done:,} / {spec.rows:,} findings ({rate:,.0f}/s)", end="", file=sys.stderr)
    if not quiet:
        print(file=sys.stderr)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=Spec.rows)
    ap.add_argument("--actors", type=int, default=Spec.actors)
    ap.add_argument("--regions", type=int, default=Spec.regions)
    ap.add_argument("--sources", type=int, default=Spec.sources)
    ap.add_argument("--seed", type=int, default=Spec.seed)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "big.db")
    a = ap.parse_args()
    spec = Spec(rows=a.rows, actors=a.actors, regions=a.regions, sources=a.sources, seed=a.seed)
    seconds = generate(a.out, spec)
    print(f"{a.out}: {spec.rows:,} findings in {seconds:.1f} s")


if __name__ == "__main__":
    main()
