"""OCR of page images with Tesseract, in process (tesserocr), after the clean-up step (`cleanup.py`).

Why tesserocr: its wheel carries libtesseract, so OCR runs inside the worker with no child
process (nothing is left running after a kill, no page image or OCR text is written to a
temporary folder) and no image is re-encoded for a command line (pytesseract saved a PNG of each
page, then parsed Tesseract's TSV: about 1 s a page). It reads Debian's trained data
(`tesseract-ocr-eng`); one engine per thread is kept and reused. OpenMP inside Tesseract is turned
off (OMP_THREAD_LIMIT=1): with two or more workers it made each page two to three times slower.

Every word keeps its box and confidence (`OcrWord`): the parser reads the header table by its
layout, pairing each label with the value on its row. Tokens a reader acts on (anything with a
digit near the top of the first page, where the header is, and the word after a colon at the end of
a line, where an item's decision stands) are read a second time, alone and enlarged; a token whose
two readings differ is listed in `OcrInfo.unconfirmed`, and the parser never states a value from it.

Marks these letters' prose almost never has are kept as read but counted as unsure, like a low-confidence
word (`unlikely_marks`): a period inside or after a word that the next word does not follow as a sentence
("effects. of", "of.a": a speck read as a period), a long dash (OCR cannot tell a hyphen, an en dash and
an em dash apart), and a bar between two words of one line (a "1", "l" or "I" read as a table border, which
the clean-up then erases: "to | or less" for "to 1 or less").

One correction is made to the words: a short function word misread with a digit ("1s" for "is", "0f" for
"of", "tn" for "in", "1.e." for "i.e.") between two words of prose is restored (`_prose_word`). Such a token is never a
value in these letters' prose, the fix keeps its length (offsets and boxes stay), and it is only made
before a word of letters and after one, after a quantity or at a line's start; beside a date, a code or
another number it is left alone.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imr_llm.errors import ConfigError, InputError
from imr_llm.loaders.images import PageImage
from imr_llm.schema import OcrInfo, Span

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # read by libtesseract when it loads

LOW_CONFIDENCE = 60.0  # a word below this is flagged (Tesseract's 0-100 scale)
RETRY_BELOW = 55.0  # a page whose mean confidence is below this is tried upright via OSD
SHARP_PAGE = 90.0  # a page read with less mean confidence is read once more, binarized locally
SMOOTH_BELOW = 94.0  # a page read with less mean confidence is read once more, smoothed (grain, specks, JPEG)
SMOOTH_SIGMA = 0.8  # the smoothing's Gaussian, in pixels at 300 dpi
RAW_FLOOR = 60.0  # a half-size reading replaces a near-empty one only when read this well
MAX_LOW_SPANS = 2000
MAX_PAGES_READ = 40
HEADER_SHARE = 0.40  # the header table sits in the top part of the first page
INSTALL_HINT = (
    "OCR needs Tesseract's English data: sudo apt-get install tesseract-ocr-eng tesseract-ocr-osd "
    "(this file has no text layer)"
)
_TESSDATA = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)


_LANGUAGE = re.compile(r"[a-z]{3}(?:_[a-z]+)?")  # a Tesseract language code ("eng", "spa", "chi_sim")


def ocr_languages() -> str:
    """The OCR languages (`IMR_LLM_OCR_LANG`, "eng" when unset); ConfigError for a value no language has (a path,
    "../../x"), which had been told to install Tesseract's English data."""
    value = os.environ.get("IMR_LLM_OCR_LANG", "eng")
    if not all(_LANGUAGE.fullmatch(lang) for lang in value.split("+")):
        raise ConfigError(f"IMR_LLM_OCR_LANG={value!r} is not a Tesseract language code (e.g. eng, or eng+spa)")
    return value


def tessdata() -> str:
    """The folder with Tesseract's trained data for the OCR languages; InputError saying what to install, or, when a
    folder was given (`IMR_LLM_TESSDATA`, `TESSDATA_PREFIX`), what that folder lacks."""
    wanted = [f"{lang}.traineddata" for lang in ocr_languages().split("+")]
    given = os.environ.get("IMR_LLM_TESSDATA") or os.environ.get("TESSDATA_PREFIX")
    for folder in [given] if given else _TESSDATA:
        if folder and all((Path(folder) / name).is_file() for name in wanted):
            return folder.rstrip("/") + "/"
    if given:
        missing = ", ".join(name for name in wanted if not (Path(given) / name).is_file())
        raise ConfigError(
            f"the Tesseract data folder {given} (IMR_LLM_TESSDATA or TESSDATA_PREFIX) has no regular file {missing}; "
            "unset it to use the system's data"
        )
    raise InputError(INSTALL_HINT)


@functools.cache
def tesseract_version() -> str:
    """The Tesseract library's version; InputError saying what to install when OCR cannot run."""
    try:
        import tesserocr
    except ImportError as e:  # pragma: no cover - a dependency of the package
        raise InputError("OCR needs tesserocr: pip install tesserocr") from e
    tessdata()
    return str(tesserocr.tesseract_version()).split()[1]


_local = threading.local()
_LEPT_SEVERITY_NONE = 6  # leptonica's L_SEVERITY_NONE


@functools.cache
def _quiet_leptonica() -> None:
    """Leptonica (under Tesseract) prints its internal complaints ("Error in pixScanForForeground: invalid
    box") straight to stderr, where a user expects one line per letter at most. Its own switch turns them
    off; a failed page still fails through Tesseract's return codes. Best effort: Linux, the wheel's library."""
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            found = sorted({line.split()[-1] for line in maps if "leptonica" in line and ".so" in line})
        for path in found:
            ctypes.CDLL(path).setMsgSeverity(_LEPT_SEVERITY_NONE)
    except (OSError, AttributeError):
        pass


def _engine(psm: int | None = None) -> Any:
    """This thread's Tesseract engine (made once; tesserocr engines are not shared between threads)."""
    import tesserocr

    _quiet_leptonica()
    key = f"api_{psm}"
    api = getattr(_local, key, None)
    if api is None:
        # AUTO. Tried and dropped: SINGLE_COLUMN (a letter's page is one column) read curled photos of the odd-
        # numbered dev letters better (key 0.550 -> 0.579), but those of the even-numbered ones, not tuned on,
        # worse (0.628 -> 0.564)
        mode = tesserocr.PSM.AUTO if psm is None else psm
        api = tesserocr.PyTessBaseAPI(path=tessdata(), lang=ocr_languages(), psm=mode)
        setattr(_local, key, api)
    return api


@dataclass(frozen=True)
class OcrWord:
    """A word as read: its text, confidence (0-100), page (from 0), box in page pixels, and where it is in
    the letter's OCR text."""

    text: str
    confidence: float
    page: int
    left: int
    top: int
    right: int
    bottom: int
    start: int = 0
    end: int = 0
    line: int = 0  # a number shared by the words of one line (over the whole letter)
    page_height: int = 0


@dataclass
class OcrText:
    text: str
    info: OcrInfo
    words: list[OcrWord] = field(default_factory=list)


@dataclass
class _PageRead:
    lines: list[list[OcrWord]]  # words, line by line (offsets not yet set)
    mean_confidence: float
    pixels: Any = None  # the cleaned page, for second readings
    rotated: int = 0
    deskewed: float = 0.0

    @property
    def words(self) -> int:
        return sum(len(line) for line in self.lines)


def ocr_pages(pages: list[PageImage], input_kind: str) -> OcrText:
    """The text of the pages (joined by form feeds, as pdftotext does), every word with its box, and how
    it was read."""
    version = tesseract_version()
    parts: list[str] = []
    low: list[Span] = []
    unconfirmed: list[Span] = []
    words: list[OcrWord] = []
    info = OcrInfo.model_validate({"version": version, "languages": ocr_languages(), "input": input_kind})
    offset = 0
    line_number = 0
    for index, page in enumerate(pages[:MAX_PAGES_READ]):
        read = _read_page(page, index)
        text, placed, line_number = _assemble(read, offset, line_number)
        placed, differing = _second_reading(read, placed, page.dpi)
        unconfirmed += [Span(start=w.start, end=w.end) for w in differing]
        low += [Span(start=w.start, end=w.end) for w in placed if w.confidence < LOW_CONFIDENCE]
        low += unlikely_marks(placed)
        words += placed
        parts.append(text)
        offset += len(text) + 1  # the form feed
        info.page_confidence.append(round(read.mean_confidence, 1))
        info.rotated.append(read.rotated)
        info.deskewed.append(round(read.deskewed, 2))
        if read.words == 0 and _no_ink(page):
            info.blank_pages.append(index + 1)
    info.low_confidence = _merge(low)[:MAX_LOW_SPANS]
    info.unconfirmed = _merge(unconfirmed)[:MAX_LOW_SPANS]
    return OcrText("\f".join(parts), info, words)


def _assemble(read: _PageRead, offset: int, line_number: int) -> tuple[str, list[OcrWord], int]:
    """Page text, line by line, and its words placed at their offsets in the joined text."""
    out: list[str] = []
    placed: list[OcrWord] = []
    at = offset
    heights = sorted(w.bottom - w.top for line in read.lines for w in line if len(w.text) >= 3)
    typical = heights[len(heights) // 2] if heights else 0
    for line in read.lines:
        if _speck(line, typical):
            continue  # noise read as a stray short "word" (a dust speck, a fax line): not text
        pieces = []
        for k, word in enumerate(line):
            if k:
                at += 1
            text = _prose_word(line, k)
            placed.append(_at(word, at, line_number, text))
            pieces.append(text)
            at += len(text)
        out.append(" ".join(pieces))
        at += 1  # newline
        line_number += 1
    return "\n".join(out), placed, line_number


_MISREAD = {
    "1s": "is", "1n": "in", "tn": "in", "1t": "it", "1f": "if", "0f": "of", "0n": "on", "0r": "or",
    "1.e.": "i.e.", "1.e.,": "i.e.,",  # read as "1." it also ended the sentence there
}  # fmt: skip
_PROSE = re.compile(r"[A-Za-z][a-z]*(?:/[A-Za-z][a-z]*)?[,;]?")  # a word ("He/she" too)
_COUNT = re.compile(r"#?\d{1,4}[.,;:)]?")  # a quantity ending a request ("supply: 30 is medically necessary")


def _prose_word(line: list[OcrWord], k: int) -> str:
    """The k-th word's text, with a digit-for-letter misread of a function word restored between prose."""
    text = line[k].text
    fixed = _MISREAD.get(text)
    if fixed is None:
        return text
    if k + 1 >= len(line):  # the line's last word: prose before it is enough ("chiropractic care 1s" + newline)
        return fixed if k > 0 and _PROSE.fullmatch(line[k - 1].text) else text
    if not _PROSE.fullmatch(line[k + 1].text.rstrip(".")):
        return text
    if k == 0 or _PROSE.fullmatch(line[k - 1].text) or _COUNT.fullmatch(line[k - 1].text):
        return fixed  # "the worker 1s being", "supply: 30 1s medically necessary", a line's first word
    return text


# a period that ends a word before a lower-case word ("the side effects. of traditional opioids") or sits
# between two letters ("a tral of.a first-line"): almost never in these letters' prose (twice in 40 dev
# letters' text layers, both "i.e."), and a speck or a fax streak read as a period ends a quoted sentence
# early. Kept as read (the letter may truly say it), but unsure: a value it falls in is flagged for review.
_ABBREVIATION = frozenset(
    "i.e e.g vs etc al approx pg pp p no nos dr mr mrs ms st cf fig ed eds vol inc co jr sr u.s a.m p.m".split()  # noqa: SIM905
)
_INNER_PERIOD = re.compile(r"[a-z]\.[a-z]")
_LOWER_WORD = re.compile(r"[a-z][a-z'-]*[,;:.]?")  # "of", "the,": not "http://..." after a sentence's end
_URL_LIKE = re.compile(r"(?:https?:|www\.|\.(?:com|gov|org|edu|net)\b|@)", re.I)


# A long dash: in 149 of these letters' text layers, one en dash and no em dash; at scan resolution OCR
# cannot tell them (or a hyphen) apart, and reads "–" as "—". A bar or bracket alone between two
# words of a line: never in the text layers' prose (no "|" at all); a thin "1", "l" or "I" read as a
# border, erased by the clean-up with the borders of tables (`textclean`), so "to 1 or less" reads "to or less".
_DASHES = frozenset("‒–—―~")  # a tilde is in none of the 150 real letters: a dash misread (a fax's "–" as "~")
_BARS = frozenset({"|", "||", "[", "]"})


def unlikely_marks(words: list[OcrWord]) -> list[Span]:
    """Spans of words with a mark prose almost never has (see `_ABBREVIATION`, `_DASHES`, `_BARS` above)."""
    out = []
    for k, word in enumerate(words):
        text = word.text
        if _DASHES & set(text) or (text in _BARS and _inside_line(words, k)):
            out.append(Span(start=word.start, end=word.end))
            continue
        if "." not in text or _URL_LIKE.search(text):
            continue
        bare = text.strip("\"'“”‘’()[],;:").lower()
        if bare.rstrip(".") in _ABBREVIATION or not bare[:1].isalpha():
            continue
        following = words[k + 1].text if k + 1 < len(words) else ""
        ends_early = bare.endswith(".") and bare[-2:-1].isalpha() and _LOWER_WORD.fullmatch(following) is not None
        if ends_early or _INNER_PERIOD.search(text.rstrip(".")):  # "rays.The", "C.C.R.": a missing space, initials
            out.append(Span(start=word.start, end=word.end))
    return out


def _inside_line(words: list[OcrWord], k: int) -> bool:
    """Word `k` has a word of letters or digits before and after it on its own line."""
    before = words[k - 1] if k > 0 else None
    after = words[k + 1] if k + 1 < len(words) else None
    return all(w is not None and w.line == words[k].line and any(c.isalnum() for c in w.text) for w in (before, after))


def _at(word: OcrWord, start: int, line: int, text: str | None = None) -> OcrWord:
    return OcrWord(
        word.text if text is None else text,
        word.confidence,
        word.page,
        word.left,
        word.top,
        word.right,
        word.bottom,
        start,
        start + len(word.text),
        line,
        word.page_height,
    )


def _speck(line: list[OcrWord], typical_height: int) -> bool:
    """A line of one or two short "words" read with low confidence, or much smaller than the text."""
    if len(line) > 2 or sum(len(w.text) for w in line) > 8:
        return False
    return all(w.confidence < 50 for w in line) or all(
        len(w.text) <= 3 and (w.bottom - w.top) < 0.55 * typical_height for w in line
    )


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start <= merged[-1].end + 1:
            merged[-1] = Span(start=merged[-1].start, end=max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def _read_page(page: PageImage, index: int) -> _PageRead:
    import numpy as np

    from imr_llm.loaders.cleanup import binarized, clean

    cleaned = clean(np.asarray(page.image, dtype=np.uint8), page.dpi)
    read = _recognise(cleaned.pixels, page.dpi, index)
    read.deskewed = cleaned.angle
    if cleaned.flattened:
        # a photo's page cut out by the edge found in it: kept only when it reads better than the page as it
        # was (a wrong edge, a shadow's, warps every line; held-out photos with a shadow band read worse)
        plain = clean(np.asarray(page.image, dtype=np.uint8), page.dpi, outline=False)
        again = _recognise(plain.pixels, page.dpi, index)
        if again.mean_confidence >= read.mean_confidence:
            again.deskewed = plain.angle
            cleaned, read = plain, again
    if read.mean_confidence < SMOOTH_BELOW:
        # a grainy page (a copier's toner and mottle, a fax's jagged strokes, JPEG noise) read once more, lightly
        # smoothed; kept when it reads with more confidence (words read right on the development renderings'
        # first two pages: odd-numbered dev letters, where it was chosen, 0.947 -> 0.955; even-numbered ones
        # 0.925 -> 0.939; dark copies 0.885 -> 0.957; curled photos of the odd letters worse, 0.893 -> 0.881)
        smooth = _smoothed(cleaned.pixels, page.dpi)
        again = _recognise(smooth, page.dpi, index)
        if again.mean_confidence > read.mean_confidence:
            again.deskewed = cleaned.angle
            cleaned, read = replace(cleaned, pixels=smooth), again
    if read.mean_confidence < SHARP_PAGE:  # a dark copy, a shadow: read it again, thresholded locally
        again = _recognise(binarized(cleaned.pixels, page.dpi), page.dpi, index)
        if again.mean_confidence > read.mean_confidence:
            again.deskewed = cleaned.angle
            read = again
    if read.mean_confidence < RETRY_BELOW or read.words < 15:
        rotation = _osd_rotation(cleaned.pixels, page.dpi)
        if rotation:  # turn the page as it came, then clean it again (its light and skew are now upright)
            turned = np.ascontiguousarray(np.rot90(np.asarray(page.image, dtype=np.uint8), k=rotation // 90))
            upright = clean(turned, page.dpi)
            again = _recognise(upright.pixels, page.dpi, index)
            if again.mean_confidence > read.mean_confidence:
                again.rotated, again.deskewed = rotation, upright.angle
                read = again
    if read.words < 15 and not read.rotated:
        # a page that reads (almost) nothing: a dithered fax page at full size is dots to Tesseract, and at half
        # size (each 2x2 block averaged) grey strokes it reads; kept when it gives more words read fairly well
        import cv2

        half = cv2.resize(np.asarray(page.image, dtype=np.uint8), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        again = _recognise(np.ascontiguousarray(half), max(1, page.dpi // 2), index)
        better = read.words == 0 or again.mean_confidence > read.mean_confidence
        if again.words > read.words and again.mean_confidence >= RAW_FLOOR and better:
            read = again
    return read


def _smoothed(pixels: NDArray[np.uint8], dpi: int) -> NDArray[np.uint8]:
    """The page blurred a little: grain and specks between strokes fade, strokes stay."""
    import cv2
    import numpy as np

    return np.asarray(cv2.GaussianBlur(pixels, (0, 0), SMOOTH_SIGMA * max(dpi, 1) / 300), dtype=np.uint8)


def _no_ink(page: PageImage) -> bool:
    """A page with no ink at all (the white back of a sheet, a blank last page): almost no pixel is even a
    little darker than the paper. A washed-out page of text still has thousands of faint strokes, and a
    speckled one its specks: those are not blank, and a page OCR read nothing on is then said to be unread."""
    import numpy as np

    pixels = np.asarray(page.image, dtype=np.uint8)[::2, ::2]
    if pixels.size == 0:
        return True
    paper = float(np.median(pixels))
    return float((pixels < paper - 40).mean()) < 2e-5


def _image(pixels: NDArray[np.uint8]) -> Any:
    from PIL import Image

    return Image.fromarray(pixels)


def _recognise(pixels: NDArray[np.uint8], dpi: int, page: int) -> _PageRead:
    from tesserocr import RIL, iterate_level

    api = _engine()
    api.SetImage(_image(pixels))
    api.SetSourceResolution(dpi)
    if not api.Recognize():
        raise InputError("OCR failed on a page (Tesseract could not read it)")
    lines: list[list[OcrWord]] = []
    confidences: list[float] = []
    height = int(pixels.shape[0])
    iterator = api.GetIterator()
    try:
        for item in iterate_level(iterator, RIL.WORD):
            text = " ".join((item.GetUTF8Text(RIL.WORD) or "").split())
            confidence = float(item.Confidence(RIL.WORD))
            box = item.BoundingBox(RIL.WORD)
            if not text or box is None:
                continue
            if item.IsAtBeginningOf(RIL.TEXTLINE) or not lines:
                lines.append([])
            lines[-1].append(OcrWord(text, confidence, page, box[0], box[1], box[2], box[3], page_height=height))
            confidences.append(confidence)
    except RuntimeError:  # tesserocr's "No text returned": a blank page, or nothing more on it
        pass
    finally:
        api.Clear()
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return _PageRead(lines, mean, pixels=pixels)


# a token worth a second look: a date or a number in the header, or the word after a line-ending colon
_DIGIT = re.compile(r"\d")
_WORD_VALUE = re.compile(r"[A-Za-z]{4,}")
SECOND_LOOK = 80.0  # a header word read below this is read again (the parser's bar for a value read without doubt)
MAX_SECOND_READINGS = 120  # a page's header tokens, its unsure header words and the words after line-ending colons


def _second_reading(read: _PageRead, words: list[OcrWord], dpi: int) -> tuple[list[OcrWord], list[OcrWord]]:
    """Key tokens read a second time, alone and enlarged: (the words, a token's confidence raised when the
    second reading agrees and is sure; the tokens whose second reading differs)."""
    import tesserocr

    if read.pixels is None:
        return words, []
    keys: list[int] = []
    for k, word in enumerate(words):
        top = word.page == 0 and word.bottom < HEADER_SHARE * (word.page_height or 1)
        after_colon = k > 0 and words[k - 1].text.endswith(":") and words[k - 1].line == word.line
        line_end = k + 1 == len(words) or words[k + 1].line != word.line
        # in the header, an unsure word too ("Standard" read at 55): the parser takes a header value read below
        # its bar only when a second reading agreed
        unsure_word = word.confidence < SECOND_LOOK and _WORD_VALUE.search(word.text)
        header = top and (_DIGIT.search(word.text) or unsure_word)
        if header or (after_colon and line_end and word.text[:1].isupper()):
            keys.append(k)
    if not keys:
        return words, []
    api = _engine(tesserocr.PSM.SINGLE_WORD)
    pixels = read.pixels
    out = list(words)
    differing = []
    for k in keys[:MAX_SECOND_READINGS]:
        word = words[k]
        pad = max(4, (word.bottom - word.top) // 3)
        crop = pixels[
            max(0, word.top - pad // 2) : word.bottom + pad // 2,
            max(0, word.left - pad) : word.right + pad,
        ]
        if crop.size == 0:
            continue
        api.SetImage(_image(_enlarged(crop)))
        api.SetSourceResolution(dpi * 2)
        try:
            second = " ".join((api.GetUTF8Text() or "").split())
            confidence = float(api.MeanTextConf())
        except RuntimeError:  # nothing read the second time
            second, confidence = "", 0.0
        if not same_token(second, word.text):
            differing.append(word)
        elif confidence > word.confidence:
            out[k] = replace(word, confidence=confidence)
    api.Clear()
    return out, differing


def _enlarged(crop: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The token twice as large, its background (and any grey remnant of a table rule) made white."""
    import cv2
    import numpy as np

    level, _ = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    clean = np.where(crop > level, 255, crop).astype(np.uint8)
    big = cv2.resize(clean, (crop.shape[1] * 2, crop.shape[0] * 2), interpolation=cv2.INTER_CUBIC)
    return np.asarray(cv2.copyMakeBorder(big, 10, 10, 10, 10, cv2.BORDER_CONSTANT, value=255), dtype=np.uint8)


def same_token(first: str, second: str) -> bool:
    """Two readings of one token agree: the same letters and digits, with the same inner '/' and '-'
    ("12/09/2016", "CM16-0233904"). A '-' or '/' at either end is not part of any value: the enlarged
    crop's edge often holds a sliver of the colon or rule beside the token, read as "-CM16-0233904" or
    "12/09/2016/"; counting it made clean case numbers "unconfirmed" and left them empty."""
    return _normal(first) == _normal(second)


def _normal(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z/-]", "", text).strip("/-").lower()


def _osd_rotation(pixels: NDArray[np.uint8], dpi: int) -> int:
    """Degrees clockwise that Tesseract's orientation detection says the page is turned (0 when unsure, or
    when the orientation data is not installed)."""
    import tesserocr

    if not (Path(tessdata()) / "osd.traineddata").is_file():
        return 0
    api = getattr(_local, "osd", None)
    if api is None:
        api = tesserocr.PyTessBaseAPI(path=tessdata(), lang="osd", psm=tesserocr.PSM.OSD_ONLY)
        _local.osd = api
    api.SetImage(_image(pixels))
    api.SetSourceResolution(dpi)
    try:
        found = api.DetectOrientationScript()
    except RuntimeError:  # too little text to tell
        found = None
    finally:
        api.Clear()
    if not found or found.get("orient_conf", 0) < 1.0:
        return 0
    return int(found.get("orient_deg", 0)) % 360
