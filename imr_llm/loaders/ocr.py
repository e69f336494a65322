"""OCR of page images with Tesseract (through pytesseract), after an image clean-up step.

Why pytesseract: it drives the Debian `tesseract-ocr` binary that the README installs, needs no
compiler or Tesseract headers (tesserocr does), and gives word boxes with confidences, which the
record keeps: each page's mean word confidence, and the spans of words read with low confidence,
so values read from them are flagged for review. ocrmypdf would add Ghostscript and a PDF round trip
for no gain here: the parser needs the text, not a searchable PDF.

Each page is straightened before OCR: flat-field correction (uneven light in phone photos, grey
table cells), deskew by projection profile (scans a few degrees off), removal of table rules (the
header box of 2016-17 letters makes Tesseract drop whole lines), and, when a page reads badly,
Tesseract's orientation detection (OSD) turns it upright.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from imr_llm.errors import InputError
from imr_llm.loaders.images import PageImage
from imr_llm.schema import OcrInfo, Span

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

LOW_CONFIDENCE = 60.0  # a word below this is flagged (Tesseract's 0-100 scale)
RETRY_BELOW = 55.0  # a page whose mean confidence is below this is tried upright via OSD
MAX_LOW_SPANS = 2000
INSTALL_HINT = (
    "OCR needs Tesseract: sudo apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa "
    "(this file has no text layer)"
)


def ocr_languages() -> str:
    return os.environ.get("IMR_LLM_OCR_LANG", "eng")


@functools.cache
def tesseract_version() -> str:
    """The installed Tesseract's version; InputError saying what to install when it is missing."""
    try:
        import pytesseract
    except ImportError as e:  # pragma: no cover - a dependency of the package
        raise InputError("OCR needs pytesseract: pip install pytesseract") from e
    try:
        return str(pytesseract.get_tesseract_version())
    except (pytesseract.TesseractNotFoundError, OSError) as e:
        raise InputError(INSTALL_HINT) from e


@dataclass
class OcrText:
    text: str
    info: OcrInfo


@dataclass
class _PageRead:
    lines: list[list[tuple[str, float, int]]]  # words with their confidence and height (px), line by line
    mean_confidence: float
    rotated: int = 0
    deskewed: float = 0.0
    words: int = field(init=False)

    def __post_init__(self) -> None:
        self.words = sum(len(line) for line in self.lines)


def ocr_pages(pages: list[PageImage], input_kind: str) -> OcrText:
    """The text of the pages (joined by form feeds, as pdftotext does) and how it was read."""
    version = tesseract_version()
    parts: list[str] = []
    low: list[Span] = []
    info = OcrInfo.model_validate({"version": version, "languages": ocr_languages(), "input": input_kind})
    offset = 0
    for index, page in enumerate(pages):
        read = _read_page(page)
        text, spans = _assemble(read, offset)
        parts.append(text)
        low += spans
        offset += len(text) + 1  # the form feed
        info.page_confidence.append(round(read.mean_confidence, 1))
        info.rotated.append(read.rotated)
        info.deskewed.append(round(read.deskewed, 2))
        if index + 1 >= 40:
            break
    info.low_confidence = _merge(low)[:MAX_LOW_SPANS]
    return OcrText("\f".join(parts), info)


def _assemble(read: _PageRead, offset: int) -> tuple[str, list[Span]]:
    """Page text, line by line, and the spans (in the joined text) of low-confidence words."""
    out: list[str] = []
    spans: list[Span] = []
    at = offset
    heights = sorted(h for line in read.lines for w, _, h in line if len(w) >= 3)
    typical = heights[len(heights) // 2] if heights else 0
    for line in read.lines:
        if _speck(line, typical):
            continue  # noise read as a stray short "word" (a dust speck, a fax line): not text
        pieces = []
        for k, (word, confidence, _) in enumerate(line):
            if k:
                at += 1
            if confidence < LOW_CONFIDENCE:
                spans.append(Span(start=at, end=at + len(word)))
            pieces.append(word)
            at += len(word)
        out.append(" ".join(pieces))
        at += 1  # newline
    return "\n".join(out), spans


def _speck(line: list[tuple[str, float, int]], typical_height: int) -> bool:
    """A line of one or two short "words" read with low confidence, or much smaller than the text."""
    if len(line) > 2 or sum(len(w) for w, _, _ in line) > 8:
        return False
    return all(c < 50 for _, c, _ in line) or all(len(w) <= 3 and h < 0.55 * typical_height for w, _, h in line)


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in spans:
        if merged and span.start <= merged[-1].end + 1:
            merged[-1] = Span(start=merged[-1].start, end=max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def _read_page(page: PageImage) -> _PageRead:
    image, angle = straighten(page.image)
    read = _tesseract(image, page.dpi)
    read.deskewed = angle
    if read.mean_confidence < RETRY_BELOW or read.words < 15:
        rotation = _osd_rotation(image, page.dpi)
        if rotation:
            turned = _tesseract(image.rotate(-rotation, expand=True, fillcolor=255), page.dpi)
            if turned.mean_confidence > read.mean_confidence:
                turned.rotated, turned.deskewed = rotation, angle
                read = turned
    return read


def _tesseract(image: Image.Image, dpi: int) -> _PageRead:
    import pytesseract

    try:
        data: dict[str, list[Any]] = pytesseract.image_to_data(
            image, lang=ocr_languages(), config=f"--dpi {dpi} --psm 3", output_type=pytesseract.Output.DICT
        )
    except pytesseract.TesseractError as e:
        detail = str(e).strip().splitlines()[-1] if str(e).strip() else "tesseract error"
        raise InputError(f"OCR failed ({detail})") from e
    lines: dict[tuple[int, int, int], list[tuple[str, float, int]]] = {}
    confidences: list[float] = []
    for k, word in enumerate(data["text"]):
        word = " ".join(str(word).split())
        confidence = float(data["conf"][k])
        if not word or confidence < 0:
            continue
        key = (int(data["block_num"][k]), int(data["par_num"][k]), int(data["line_num"][k]))
        lines.setdefault(key, []).append((word, confidence, int(data["height"][k])))
        confidences.append(confidence)
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return _PageRead(list(lines.values()), mean)


def _osd_rotation(image: Image.Image, dpi: int) -> int:
    """Degrees clockwise that Tesseract's orientation detection says the page is turned (0 when unsure)."""
    import pytesseract

    try:
        osd = pytesseract.image_to_osd(image, config=f"--dpi {dpi} --psm 0 -c min_characters_to_try=5")
    except pytesseract.TesseractError:
        return 0  # too little text to tell
    for line in osd.splitlines():
        if line.startswith("Rotate:"):
            return int(line.split(":")[1]) % 360
    return 0


# -- the image clean-up step ---------------------------------------------------------------


def straighten(image: Image.Image) -> tuple[Image.Image, float]:
    """Flat-field, deskew and remove table rules; returns the image and the angle it was turned."""
    import numpy as np
    from PIL import Image

    grey = _flat_field(image)
    angle = _skew_angle(grey)
    if abs(angle) >= 0.2:
        grey = grey.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    pixels = np.asarray(grey).copy()
    pixels[_rules(pixels < 128)] = 255
    return Image.fromarray(pixels), angle


def _flat_field(image: Image.Image) -> Image.Image:
    """Divide by the blurred background: uneven light and grey cells become white, ink stays dark."""
    import numpy as np
    from PIL import Image, ImageFilter

    radius = max(8, image.width // 70)
    pixels = np.asarray(image, dtype=np.float32)
    background = np.asarray(image.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32)
    flat = np.clip(pixels / np.maximum(background, 1.0) * 255.0, 0, 255)
    return Image.fromarray(flat.astype(np.uint8))


def _skew_angle(image: Image.Image) -> float:
    """The rotation (degrees) that makes text lines horizontal: the one that maximises the variance of
    the row profile of dark pixels, searched over +-4 degrees on a downscaled copy."""
    import numpy as np
    from PIL import Image

    small = image.resize((max(1, image.width // 4), max(1, image.height // 4)), Image.Resampling.BILINEAR)

    def score(angle: float) -> float:
        turned = np.asarray(small.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)) < 140
        return float(np.var(turned.sum(axis=1)))

    coarse = max(np.arange(-4.0, 4.01, 0.5), key=lambda a: score(float(a)))
    fine = max(np.arange(coarse - 0.5, coarse + 0.51, 0.1), key=lambda a: score(float(a)))
    return round(float(fine), 2)


def _rules(dark: np.ndarray) -> np.ndarray:
    """Pixels of long straight runs (table rules, borders): horizontal and vertical."""
    import numpy as np

    height, width = dark.shape
    mask = _runs(dark, max(60, width // 12)) | _runs(dark.T, max(40, height // 25)).T
    grown = mask.copy()  # one pixel around the rule: its anti-aliased edge
    grown[1:] |= mask[:-1]
    grown[:-1] |= mask[1:]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    return np.asarray(grown)


def _runs(dark: np.ndarray, length: int) -> np.ndarray:
    """Mark every pixel of each row's dark runs that are at least `length` long."""
    import numpy as np

    rows, cols = dark.shape
    if cols <= length:
        return np.zeros_like(dark)
    cumulative = np.zeros((rows, cols + 1), dtype=np.int32)
    np.cumsum(dark, axis=1, dtype=np.int32, out=cumulative[:, 1:])
    full = (cumulative[:, length:] - cumulative[:, :-length]) == length  # window [j, j+length) all dark
    edges = np.zeros((rows, cols + 1), dtype=np.int32)
    edges[:, : cols - length + 1] += full
    edges[:, length : cols + 1] -= full
    return np.asarray(np.cumsum(edges, axis=1)[:, :cols] > 0)
