"""Page images from image files (TIFF, multi-page and fax G3/G4; PNG; JPEG; ...) and from PDFs with no
usable text layer, each at a known resolution, ready for OCR."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from imr_llm.errors import InputError

if TYPE_CHECKING:
    from PIL import Image

# magic bytes -> format name (the OcrInfo.input values)
IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
)
MAX_PAGES = 40  # a letter has a handful of pages; more is not one letter
# a letter page at 600 dpi is 33 Mpx: a page that is, or would be scaled to, more than this is no letter page (a
# 2.8 KB image of 100 x 100,000 pixels was scaled to 6.5 billion and ended in MemoryError; a PDF's 200-inch page too)
MAX_PAGE_PIXELS = 60_000_000
RENDER_DPI = 300  # PDFs without text are rendered at this resolution for OCR
MIN_DPI = 150  # images reported below this (or with no resolution) are scaled to about 300 dpi


@dataclass
class PageImage:
    image: Image.Image  # greyscale, square pixels
    dpi: int


def image_format(data: bytes) -> str | None:
    """The image format of `data` by its signature, or None."""
    for signature, name in IMAGE_SIGNATURES:
        if data.startswith(signature):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _pillow() -> None:
    try:
        import PIL  # noqa: F401
    except ImportError as e:  # pragma: no cover - a dependency of the package
        raise InputError("reading images needs Pillow: pip install pillow") from e


def image_pages(data: bytes) -> list[PageImage]:
    """Every page (frame) of an image file, greyscale, with square pixels at a sensible resolution."""
    _pillow()
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PAGE_PIXELS  # refuse decompression bombs (Pillow warns at this, errors at twice)
    try:
        with warnings.catch_warnings():  # a damaged file's "Corrupt EXIF data" lines: the error below says it
            warnings.simplefilter("ignore")
            opened = Image.open(io.BytesIO(data))
            pages = []
            for k, frame in enumerate(ImageSequence.Iterator(opened)):
                if k >= MAX_PAGES:
                    raise InputError(f"image has more than {MAX_PAGES} pages; is this one letter?")
                if frame.width * frame.height > MAX_PAGE_PIXELS:
                    raise InputError("image too large for one letter page")
                pages.append(_normalise(ImageOps.exif_transpose(frame.copy()) or frame.copy()))
    except UnidentifiedImageError as e:
        raise InputError("cannot read image: damaged, or not an image the OCR reads") from e
    except (OSError, SyntaxError, ValueError) as e:
        raise InputError(f"cannot read image ({str(e).splitlines()[0] if str(e) else type(e).__name__})") from e
    except Image.DecompressionBombError as e:
        raise InputError("image too large for one letter page") from e
    if not pages:
        raise InputError("image has no pages")
    return pages


BILEVEL_BLUR = 1.2  # pixels at a fax's 204 dpi


def _bilevel(grey: Image.Image) -> bool:
    """Black and white only (a fax, a 1-bit scan): nearly every pixel pure black or pure white."""
    counts = grey.histogram()
    return counts[0] + counts[255] >= 0.99 * max(1, grey.width * grey.height)


def _normalise(frame: Image.Image) -> PageImage:
    """Greyscale, square pixels (fax: 204 x 98 dpi), about 300 dpi when the resolution is low or unknown."""
    from PIL import Image, ImageFilter

    xdpi, ydpi = (float(v) for v in frame.info.get("dpi", (0, 0)) or (0, 0))
    _within_budget(frame.width, frame.height, xdpi, ydpi)
    grey = frame.convert("L")
    bilevel = _bilevel(grey)
    if xdpi and ydpi and abs(xdpi - ydpi) > 1:  # fax "normal" mode: stretch the short axis
        scale_x, scale_y = max(xdpi, ydpi) / xdpi, max(xdpi, ydpi) / ydpi
        grey = grey.resize((round(grey.width * scale_x), round(grey.height * scale_y)), Image.Resampling.LANCZOS)
        xdpi = ydpi = max(xdpi, ydpi)
    if bilevel and xdpi >= MIN_DPI:
        # a fax's black-and-white pixels, smoothed: its jagged strokes made Tesseract read "i" as "t" ("tn", "ts",
        # "eptdural"); words read right on the dev letters' fax pages 0.969 -> 0.986 (odd half, where it was
        # tuned), 0.965 -> 0.985 (even half), fine faxes 0.986 -> 0.993, at the same OCR time
        grey = grey.filter(ImageFilter.GaussianBlur(BILEVEL_BLUR * xdpi / 204))
    dpi = int(xdpi) if xdpi >= MIN_DPI else 0
    if not dpi:
        # unknown or low resolution (phone photos, web images): a letter page is 8.5 in wide
        target = round(8.5 * RENDER_DPI)
        if grey.width < target * 0.8:
            factor = target / grey.width
            grey = grey.resize((target, round(grey.height * factor)), Image.Resampling.LANCZOS)
        dpi = round(grey.width / 8.5)
    return PageImage(grey, dpi)


def _within_budget(width: int, height: int, xdpi: float, ydpi: float) -> None:
    """Refuse a page whose pixels, once given square pixels and about 300 dpi as `_normalise` gives them, would be
    more than a letter page's (the sizes are worked out before any pixel is made)."""
    if xdpi and ydpi and abs(xdpi - ydpi) > 1:
        top = max(xdpi, ydpi)
        width, height = round(width * top / xdpi), round(height * top / ydpi)
        xdpi = top
    if xdpi < MIN_DPI:
        target = round(8.5 * RENDER_DPI)
        if width < target * 0.8:
            width, height = target, round(height * target / max(1, width))
    if width * height > MAX_PAGE_PIXELS:
        raise InputError("image too large for one letter page")


def pdf_page_images(pdf: object, page_count: int) -> list[PageImage]:
    """Render a PDF's pages (pypdfium2 document) for OCR."""
    if page_count > MAX_PAGES:
        raise InputError(f"PDF has more than {MAX_PAGES} pages; is this one letter?")
    pages = []
    for index in range(page_count):
        page = pdf[index]  # type: ignore[index]
        width, height = page.get_size()  # points: 72 to the inch
        if width * height * (RENDER_DPI / 72) ** 2 > MAX_PAGE_PIXELS:
            page.close()
            raise InputError("PDF page too large for a letter page")
        bitmap = page.render(scale=RENDER_DPI / 72, grayscale=True)
        pages.append(PageImage(bitmap.to_pil().convert("L"), RENDER_DPI))
        page.close()
    return pages
