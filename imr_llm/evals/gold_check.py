"""`imr-llm gold check`: a gold folder is valid before any eval runs on it.

Each NAME.gold.json must be the gold format (`gold_format.GoldLetter`), have its letter beside it
(NAME.txt, NAME.pdf, an image, NAME.scan.pdf or a NAME.pages/ folder), and, where the letter has text
(a text file or a PDF with a text layer), every string the gold copies from the letter must be in
that text, compared as the shared format says (de-wrapped, whitespace- and hyphen-insensitively). A file
`gold init` wrote that nobody has reviewed yet (its notes start "UNREVIEWED") is a problem, and so is an
item with reason topics but no sentences, or the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imr_llm.errors import ImrError
from imr_llm.evals.gold_format import read_gold
from imr_llm.fields import compact
from imr_llm.suffixes import LETTER_SUFFIXES

_BESIDE = (*LETTER_SUFFIXES, ".scan.pdf", ".pages")  # the one table of letter file types, and a scan, a photo set


def letter_files(gold: Path) -> list[Path]:
    name = gold.name[: -len(".gold.json")]
    found = []
    for suffix in _BESIDE:
        candidate = gold.with_name(name + suffix)
        if candidate.exists():
            found.append(candidate)
    return found


def _copied_strings(gold: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, value) for every string the gold copies from the letter's text."""
    out: list[tuple[str, str]] = []
    for key in ("case_number", "priority"):
        if isinstance(gold.get(key), str):
            out.append((key, gold[key]))
    reviewer = gold.get("reviewer") or {}
    for key in ("certification_text", "licensure_text"):
        if isinstance(reviewer.get(key), str):
            out.append((f"reviewer.{key}", reviewer[key]))
    for k, diagnosis in enumerate(gold.get("diagnoses") or []):
        if isinstance(diagnosis, str):
            out.append((f"diagnoses.{k}", diagnosis))
    for i, item in enumerate(gold.get("disputed_items") or []):
        if not isinstance(item, dict):
            continue
        for key in (
            "request",
            "maximus_guideline_text",
            "claims_administrator_guideline_text",
            "rationale_first_sentence",
            "item_heading_text",
        ):
            if isinstance(item.get(key), str):
                out.append((f"disputed_items.{i}.{key}", item[key]))
        for k, sentence in enumerate(item.get("reason_sentences") or []):
            if isinstance(sentence, str):
                out.append((f"disputed_items.{i}.reason_sentences.{k}", sentence))
    return out


def _letter_texts(files: list[Path], problems: list[str]) -> list[tuple[str, str]]:
    """(file name, de-wrapped text) of every form of the letter that has text: a text file, a PDF with a text
    layer (none for images). A text or PDF letter that cannot be read is a problem, never an "image only"
    that passes. Every form is checked: a right NAME.txt never vouches for a NAME.pdf of another letter."""
    from imr_llm.loaders import load_file
    from imr_llm.textnorm import flatten

    texts = []
    for path in files:
        if path.suffix.lower() in (".txt", ".text", ".pdf") and not path.name.lower().endswith(".scan.pdf"):
            try:
                loaded = load_file(path)
            except ImrError as e:
                problems.append(f"{path.name}: cannot be read ({str(e).splitlines()[0] if str(e) else e})")
                continue
            if loaded.source.kind in ("text", "pdf"):
                texts.append((path.name, flatten(loaded.text).flat))
    return texts


def _not_a_letter(path: Path) -> str | None:
    """What makes a file beside a gold file no letter: not a regular file (a FIFO, a device, a link to
    one), empty, or not what its name says (an image that is no image, a PDF that is no PDF); None if fine."""
    import os
    import stat

    from imr_llm.loaders.images import image_format
    from imr_llm.suffixes import IMAGE_SUFFIXES

    if path.is_dir():
        pages = [p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
        return None if pages else "a folder of pages with no page image in it"
    try:
        info = os.stat(path)
    except OSError as e:
        return f"cannot be read ({e.strerror or e})"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a FIFO, a device, or a link to one)"
    if info.st_size == 0:
        return "empty"
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        return f"cannot be read ({e.strerror or e})"
    suffix = path.suffix.lower()
    if suffix == ".pdf" and not head.lstrip()[:5].startswith(b"%PDF"):
        return "not a PDF"
    if suffix in IMAGE_SUFFIXES and image_format(head) is None:
        return "not an image"
    if suffix in (".txt", ".text") and b"\x00" in head:
        return "not text (binary bytes)"
    return None


UNREVIEWED = "UNREVIEWED"  # how `gold init` opens a file's notes: the parser's opinion, not gold yet


def unreviewed(gold: dict[str, Any]) -> bool:
    notes = gold.get("notes")
    return isinstance(notes, str) and notes.lstrip().upper().startswith(UNREVIEWED)


def _pairs(gold: dict[str, Any]) -> list[str]:
    """Items whose reason topics and sentences do not come together (the format has both or neither)."""
    out = []
    for i, item in enumerate(gold.get("disputed_items") or []):
        if isinstance(item, dict) and bool(item.get("reason_topics")) != bool(item.get("reason_sentences")):
            has = "reason_topics" if item.get("reason_topics") else "reason_sentences"
            lacks = "reason_sentences" if has == "reason_topics" else "reason_topics"
            out.append(f"disputed_items.{i}: {has} without {lacks} (give both, or neither)")
    return out


@dataclass
class FolderCheck:
    problems: list[tuple[str, str]] = field(default_factory=list)  # (gold file name, problem)
    checked: int = 0
    images_only: list[str] = field(default_factory=list)  # letters whose strings no text could confirm
    # image forms beside a text form (NAME.tif beside NAME.txt): the text form is checked, the image is not
    unchecked_images: list[str] = field(default_factory=list)


def check_folder(folder: Path) -> FolderCheck:
    """Every problem found in a gold folder, how many gold files were checked, and which letters are images
    only (their format is checked, their copied strings cannot be: a person compares them by eye)."""
    result = FolderCheck()
    problems = result.problems
    golds = sorted(folder.glob("*.gold.json"))
    if not golds:
        problems.append((str(folder), "no NAME.gold.json files"))
    for gold_path in golds:
        name = gold_path.name
        data, errors = read_gold(gold_path)
        problems += [(name, e) for e in errors]
        files = letter_files(gold_path)
        if not files:
            problems.append((name, "no letter beside it (NAME.txt, .pdf, an image, .scan.pdf or a .pages/ folder)"))
        not_letters = {letter: problem for letter in files if (problem := _not_a_letter(letter)) is not None}
        problems += [(name, f"{letter.name}: {problem}") for letter, problem in not_letters.items()]
        if data is None or errors:
            continue
        if unreviewed(data):
            problems.append((name, "not reviewed yet: its notes still start 'UNREVIEWED' (it is the parser's record)"))
        problems += [(name, p) for p in _pairs(data)]
        unread: list[str] = []
        readable = [f for f in files if f not in not_letters]
        texts = _letter_texts(readable, unread)
        problems += [(name, p) for p in unread]
        if not texts and (unread or not readable):
            continue  # the letter's problem is said; it is no "image only"
        if not texts:
            result.images_only.append(name)  # an image only: the format is checked, the text cannot be
            continue
        checked = {form for form, _ in texts}
        result.unchecked_images += [f.name for f in readable if f.name not in checked]
        for form, text in texts:
            whole = compact(text)
            missing = [(where, value) for where, value in _copied_strings(data) if compact(value) not in whole]
            said = f"{form}: " if len(texts) > 1 else ""  # which form lacks it, when there are several
            problems += [
                (name, f"{said}{where}: {value[:60]!r} is not in the letter's text") for where, value in missing
            ]
    result.checked = len(golds)
    return result
