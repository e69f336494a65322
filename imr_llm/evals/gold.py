"""Gold-labelled letters on disk: NAME.gold.json beside NAME.txt and/or NAME.pdf."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imr_llm.errors import ConfigError
from imr_llm.evals.gold_check import unreviewed
from imr_llm.evals.gold_format import read_gold
from imr_llm.suffixes import IMAGE_SUFFIXES


@dataclass(frozen=True)
class GoldLetter:
    name: str
    gold: dict[str, Any]
    txt: Path | None
    pdf: Path | None
    image: Path | None = None  # a scan / fax / photo of the letter kept beside it (NAME.tif, .png, .jpg)

    def kinds(self, wanted: tuple[str, ...] = ("txt", "pdf")) -> list[str]:
        """The renderings of this letter a suite can run: its text, its PDF, and images made from the PDF."""
        available = {"txt": self.txt is not None, "pdf": self.pdf is not None, "image": self.image is not None}
        return [k for k in wanted if available.get(k, self.pdf is not None)]

    def input(self, kind: str) -> Path:
        """The file (or, for photos, the folder of page images) of one rendering, made when needed."""
        if kind == "txt" and self.txt is not None:
            return self.txt
        if kind == "pdf" and self.pdf is not None:
            return self.pdf
        if kind == "image" and self.image is not None:
            return self.image
        from imr_llm.evals.renderings import rendering

        assert self.pdf is not None, f"{self.name}: no PDF to render {kind} from"
        return rendering(kind, self.pdf, self.name)


def load_gold_dir(folder: Path) -> list[GoldLetter]:
    """Every NAME.gold.json in `folder`, with the letter files beside it, by name."""
    letters = []
    for gold_path in sorted(folder.glob("*.gold.json")):
        name = gold_path.name[: -len(".gold.json")]
        txt = gold_path.with_name(name + ".txt")
        pdf = gold_path.with_name(name + ".pdf")
        images = [p for ext in IMAGE_SUFFIXES if (p := gold_path.with_name(name + ext)).exists()]
        gold, problems = read_gold(gold_path)  # not JSON, wrong types, nested 50,000 deep: one line
        if gold is None or problems:
            raise ConfigError(f"gold file {gold_path}: {problems[0]} (imr-llm gold check {folder} lists all)")
        if unreviewed(gold):
            raise ConfigError(
                f"gold file {gold_path} is not reviewed yet (its notes start 'UNREVIEWED'): it is the parser's own "
                "record, so an eval on it would score the parser against itself; read it against the letter, "
                "correct it, and rewrite its notes"
            )
        letters.append(
            GoldLetter(
                name=name,
                gold=gold,
                txt=txt if txt.exists() else None,
                pdf=pdf if pdf.exists() else None,
                image=images[0] if images else None,
            )
        )
    return letters
