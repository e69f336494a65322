"""The one table of letter files by name: what `batch FOLDER/`, `imr_llm.parse(path)`, eval suites, the
web app and the loaders accept. Its own module with no imports, so the API, batch and evals use it without
loading the image libraries. (The loaders read a file by its bytes, whatever its name.)"""

from __future__ import annotations

import re
from pathlib import Path

TEXT_SUFFIXES = (".txt", ".text")
IMAGE_SUFFIXES = (".tif", ".tiff", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")
LETTER_SUFFIXES = (*TEXT_SUFFIXES, ".pdf", *IMAGE_SUFFIXES)
PAGES_SUFFIX = ".pages"  # a folder NAME.pages/ holds the page images of ONE letter (photos or scans)


def is_pages_folder(path: Path) -> bool:
    """A NAME.pages/ folder: one letter, its pages the images inside."""
    return path.name.lower().endswith(PAGES_SUFFIX) and path.is_dir()


def page_files(folder: Path) -> list[Path]:
    """The page images of a folder that holds one letter (a photo set), in name order (IMG_9 before IMG_10)."""
    return sorted((p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES), key=_name_order)


def _name_order(path: Path) -> list[tuple[int, str]]:
    return [(int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"(\d+)", path.name.lower())]
