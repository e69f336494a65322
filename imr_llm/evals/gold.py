"""Gold-labelled letters on disk: NAME.gold.json beside NAME.txt and/or NAME.pdf."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class GoldLetter:
    name: str
    gold: dict[str, Any]
    txt: Path | None
    pdf: Path | None

    def inputs(self, kinds: tuple[str, ...] = ("txt", "pdf")) -> list[Path]:
        return [p for kind, p in (("txt", self.txt), ("pdf", self.pdf)) if kind in kinds and p is not None]


def load_gold_dir(folder: Path) -> list[GoldLetter]:
    """Every NAME.gold.json in `folder`, with the letter files beside it, by name."""
    letters = []
    for gold_path in sorted(folder.glob("*.gold.json")):
        name = gold_path.name[: -len(".gold.json")]
        txt = gold_path.with_name(name + ".txt")
        pdf = gold_path.with_name(name + ".pdf")
        letters.append(
            GoldLetter(
                name=name,
                gold=json.loads(gold_path.read_text(encoding="utf-8")),
                txt=txt if txt.exists() else None,
                pdf=pdf if pdf.exists() else None,
            )
        )
    return letters
