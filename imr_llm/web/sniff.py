"""What an upload is, from its bytes (never its name), and whether it is within the limits.

Why here and not only in the loaders: the page must answer at once ("this file is a ZIP archive",
"the PDF has 60 pages; one letter has at most 40") instead of queuing a file the worker would
refuse later. The type checks are the loaders' own (`image_format`, the `%PDF` signature, and
`load_bytes` deciding whether other bytes are text); only the page count is counted here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from imr_llm.errors import InputError
from imr_llm.loaders import PDFIUM_LOCK, load_bytes
from imr_llm.loaders.images import image_format
from imr_llm.web.config import Limits


class Rejected(Exception):
    """An upload refused, with the message the page shows."""


@dataclass(frozen=True)
class Upload:
    name: str  # as sent (shown to the user; never used as a path)
    data: bytes
    kind: str  # pdf | text | tiff | png | jpeg | webp | gif | bmp
    pages: int | None  # None for text

    @property
    def is_image(self) -> bool:
        return self.kind not in ("pdf", "text")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def sniff(name: str, data: bytes, limits: Limits) -> Upload:
    """The upload's type and page count; Rejected with a clear message when it cannot be a letter."""
    if not data:
        raise Rejected(f"{name}: the file is empty")
    if len(data) > limits.file_bytes:
        raise Rejected(f"{name}: larger than the limit of {_mb(limits.file_bytes)} for one letter")
    if data.startswith(b"%PDF"):
        pages = pdf_pages(name, data)
        kind = "pdf"
    elif (image := image_format(data)) is not None:
        pages = image_frames(name, data)
        kind = image
    else:
        try:
            load_bytes(data, name)  # text: decoded as the parser would read it (no OCR, no parse)
        except InputError as e:
            raise Rejected(
                f"{name}: not a PDF, an image (TIFF, PNG, JPEG, WebP) or text: {e} "
                "(the type is read from the file's bytes, not its name)"
            ) from e
        return Upload(name, data, "text", None)
    if pages > limits.pages:
        raise Rejected(f"{name}: {pages} pages; one letter has at most {limits.pages} (is this several letters?)")
    return Upload(name, data, kind, pages)


def pdf_pages(name: str, data: bytes) -> int:
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:  # pdfium is not thread-safe (see imr_llm.loaders)
        try:
            pdf = pdfium.PdfDocument(data, password="")
        except pdfium.PdfiumError as e:
            raise Rejected(f"{name}: cannot open this PDF ({str(e).rstrip('.')})") from e
        try:
            return len(pdf)
        finally:
            pdf.close()


def image_frames(name: str, data: bytes) -> int:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only, not the pixels
            return int(getattr(image, "n_frames", 1))
    except Image.DecompressionBombError as e:  # a header claiming 100,000 x 100,000 pixels: HTTP 500 before
        raise Rejected(f"{name}: image too large for one letter page") from e
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        raise Rejected(f"{name}: cannot read this image (damaged, or a kind the OCR does not read)") from e


def letter_pages(uploads: list[Upload], limits: Limits) -> int:
    """Several files as the pages of one letter: every one a page image or a PDF, within the page limit."""
    text = [u.name for u in uploads if u.kind == "text"]
    if text:
        raise Rejected(f"pages of one letter must be photos, scans or PDFs; not text: {', '.join(text)}")
    pages = sum(u.pages or 0 for u in uploads)
    if pages > limits.pages:
        raise Rejected(f"{pages} pages in all; one letter has at most {limits.pages}")
    return pages
