"""What an FtM import tells the user beside the summary table: where every input record went, warnings,
proposed links, skipped lines.

Every record read is accounted for: an entity (or a fragment of one, or an entity embedded in another) is
imported, merged into another record, proposed as the same as an existing actor, deleted (a delta file's DEL)
or skipped with a reason, so that the records in equal the records out. `--json` prints the same as one object.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

import click

from store.text import printable

if TYPE_CHECKING:
    from store.ftm_writes import Proposal

MAX_DETAILS = 20  # cases listed per kind of warning
MAX_SUBJECTS = 1_000  # distinct subjects (property names, schemas) counted per kind of warning
MAX_SKIPPED_SHOWN = 1_000
MAX_PROPOSALS_SHOWN = 50


class Outcome(IntEnum):
    IMPORTED = 1  # a record of its own: inserted, updated or unchanged
    MERGED = 2  # folded into another record (a fragment, an address, an identical existing record, ...)
    PROPOSED = 3  # imported, and proposed as the same as an existing actor
    SKIPPED = 4  # not imported, for a reason
    DELETED = 5  # a delta file's DEL: the record it names removed


@dataclass
class Report:
    warnings: Counter[str] = field(default_factory=Counter)
    subjects: dict[str, Counter[str]] = field(default_factory=dict)  # per warning: what it is about, counted
    details: dict[str, list[str]] = field(default_factory=dict)
    skipped_lines: list[str] = field(default_factory=list)
    not_imported: Counter[str] = field(default_factory=Counter)
    reasons: dict[int, str] = field(default_factory=dict)  # entity number -> why it was skipped
    proposals: list[Proposal] = field(default_factory=list)
    proposals_new = 0
    forms: dict[str, str] = field(default_factory=dict)  # file -> the form it was read as
    records_in = 0  # records read: entities (fragments and embedded ones too), DEL operations, invalid lines
    statements = 0  # statements rolled up into entities
    accounting: dict[str, Any] = field(default_factory=dict)
    deleted: Counter[str] = field(default_factory=Counter)  # kind -> records deleted (DEL, --prune)
    stale: int = 0  # records earlier imports of the same file made that this one no longer holds
    pruned: Counter[str] = field(default_factory=Counter)  # kind -> stale records removed (--prune)
    kept_curated: int = 0  # findings a deletion (DEL, --prune, a record that no longer says it) left: curated
    never_imported: list[str] = field(default_factory=list)  # files given --prune that no import read before

    def warn(self, message: str, detail: str | None = None, *, subject: str | None = None) -> None:
        """Count a warning. `detail` is one case (the first few are listed); a warning about many different
        things (10,000 unknown properties) names what it is about as `subject`, and stays one line."""
        self.warnings[message] += 1
        if subject is not None:
            counted = self.subjects.setdefault(message, Counter())
            if subject in counted or len(counted) < MAX_SUBJECTS:
                counted[subject] += 1
        elif detail:
            cases = self.details.setdefault(message, [])
            if len(cases) < MAX_DETAILS:
                cases.append(detail)

    def skip_reason(self, n: int, reason: str) -> None:
        self.reasons[n] = reason

    def account(self, outcomes: bytearray, counts: Any, extra: Counter[str]) -> None:
        """Where every record went: outcomes per entity, its other fragments merged, and `extra` (skipped
        lines, DEL operations, ...) by outcome name."""
        out: Counter[str] = Counter()
        skipped: Counter[str] = Counter()
        fragments = sum(counts) - len(outcomes)
        for code, n in Counter(outcomes).items():  # (a bytearray counted at C speed)
            out[Outcome(code).name.lower()] += n
        for n, reason in self.reasons.items():
            if outcomes[n] == Outcome.SKIPPED:
                skipped[reason] += 1
        if skipped.total() < out["skipped"]:
            skipped["no place for it here"] += out["skipped"] - skipped.total()
        out["merged"] += fragments
        for key, n in extra.items():
            if key.startswith("skipped:"):
                skipped[key.removeprefix("skipped:")] += n
                out["skipped"] += n
            else:
                out[key] += n
        total = sum(out[k] for k in ("imported", "merged", "proposed", "skipped", "deleted"))
        self.accounting = {
            "in": self.records_in,
            "out": total,
            "imported": out["imported"],
            "merged": out["merged"],
            "fragments merged": fragments,
            "proposed": out["proposed"],
            "deleted": out["deleted"],
            "skipped": out["skipped"],
            "skipped because": dict(sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0]))),
            "statements": self.statements,
        }

    # -------------------------------------------------------------------------------------- output

    def as_dict(self) -> dict[str, Any]:
        warnings = []
        for message, n in sorted(self.warnings.items(), key=lambda kv: (-kv[1], kv[0])):
            entry: dict[str, Any] = {"warning": message, "count": n}
            if message in self.subjects:
                entry["about"] = dict(self.subjects[message].most_common())
            if self.details.get(message):
                entry["cases"] = self.details[message]
            warnings.append(entry)
        return {
            "forms": self.forms,
            "records": self.accounting,
            "proposals": [
                {"kind": p.kind, "imported": p.left_id, "existing": p.right_id, "reason": p.reason}
                for p in self.proposals
            ],
            "deleted": dict(self.deleted),
            "stale": self.stale,
            "pruned": dict(self.pruned),
            "kept_curated": self.kept_curated,
            "prune_compared_nothing": self.never_imported,
            "warnings": warnings,
            "skipped_lines": self.skipped_lines,
            "not_imported": dict(self.not_imported),
        }

    def print_json(self, tables: dict[str, Any], *, dry_run: bool) -> None:
        click.echo(json.dumps({"dry_run": dry_run, "tables": tables, **self.as_dict()}, ensure_ascii=False, indent=2))

    def print(self, *, dry_run: bool = False) -> None:
        echo = lambda text: click.echo(text, err=True)  # noqa: E731
        a = self.accounting
        if a:
            would = "would be " if dry_run else ""
            parts = [f"{a['imported']:,} {would}imported", f"{a['merged']:,} merged"]
            if a["proposed"]:
                parts.append(f"{a['proposed']:,} {would}proposed as the same as an existing actor")
            if a["deleted"]:
                parts.append(f"{a['deleted']:,} {would}deleted")
            parts.append(f"{a['skipped']:,} skipped")
            rolled = f" ({a['statements']:,} statements rolled up)" if a["statements"] else ""
            echo(f"records: {a['in']:,} read{rolled} = {', '.join(parts)}")
            for reason, n in a["skipped because"].items():
                echo(f"  {n:>6,} skipped: {printable(reason)}")
        if self.proposals:
            echo(f"proposed links ({len(self.proposals):,}; kept for review, nothing merged):")
            for p in self.proposals[:MAX_PROPOSALS_SHOWN]:
                echo(f"  {printable(p.left_id)} same as {printable(p.right_id)}? {printable(p.reason)}")
            if len(self.proposals) > MAX_PROPOSALS_SHOWN:
                echo(f"  ... and {len(self.proposals) - MAX_PROPOSALS_SHOWN:,} more")
        if self.stale:
            echo(
                f"{self.stale:,} record(s) that earlier imports of this file created are not in it any more: kept "
                "(--prune removes them)"
            )
        if self.pruned:
            kinds = ", ".join(f"{n:,} {printable(kind)}" for kind, n in sorted(self.pruned.items()))
            would = "would be " if dry_run else ""
            echo(f"records that earlier imports of this file created and it no longer holds: {would}removed ({kinds})")
        if self.kept_curated:
            echo(
                f"{self.kept_curated:,} finding(s) a person has curated: kept, not deleted (imports never remove them)"
            )
        for path in self.never_imported:
            echo(
                f"--prune: nothing compared for {printable(path)}: no earlier import read a file at that path (--prune "
                "removes what earlier imports of the same path made; a release under a new name is a new file)"
            )
        if self.skipped_lines:
            echo(f"skipped {len(self.skipped_lines):,} invalid record(s):")
            for line in self.skipped_lines[:MAX_SKIPPED_SHOWN]:
                echo(f"  {printable(line)}")
            if len(self.skipped_lines) > MAX_SKIPPED_SHOWN:
                echo(f"  ... and {len(self.skipped_lines) - MAX_SKIPPED_SHOWN:,} more")
        if self.warnings:
            echo(f"warnings ({sum(self.warnings.values()):,}):")
            for message, n in sorted(self.warnings.items(), key=lambda kv: (-kv[1], kv[0])):
                echo(f"  {n:>6,} × {printable(message)}")
                subjects = self.subjects.get(message)
                if subjects:
                    shown = subjects.most_common(MAX_DETAILS)
                    echo("           " + ", ".join(f"{printable(s)} ({c:,})" for s, c in shown))
                    rest = n - sum(c for _, c in shown)
                    if rest:
                        echo(f"           ... and {rest:,} more")
                cases = self.details.get(message, [])
                for case in cases:
                    echo(f"           {printable(case)}")
                if cases and n > len(cases) and not subjects:
                    echo(f"           ... and {n - len(cases):,} more")
        if self.not_imported:
            schemata = ", ".join(f"{n:,} {printable(s)}" for s, n in sorted(self.not_imported.items()))
            echo(f"not imported (no place for them here): {schemata}")
