"""Read a letter into text, with clear errors for bad input: plain text, PDF (its text layer, or OCR
when it has none or only garbage), and images (TIFF, fax G3/G4, PNG, JPEG ...) by OCR.

PDFs from the DWC are AES-encrypted with an empty user password; pdfium opens them without extra
dependencies. Pages are joined with a form feed, as `pdftotext` does, so page breaks look the same
whichever tool made the text. Several image files (phone photos of each page) are one letter with
`load_pages`, in the order given.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from imr_llm.errors import InputError
from imr_llm.loaders.images import MAX_PAGES, PageImage, image_format, image_pages, pdf_page_images
from imr_llm.schema import Source
from imr_llm.suffixes import LETTER_SUFFIXES

if TYPE_CHECKING:
    from imr_llm.loaders.ocr import OcrWord

MAX_BYTES = 20 * 1024 * 1024  # no IMR letter comes near this; refuse before reading it all
MAX_TEXT_CHARS = 2_000_000
# pdfium is not thread-safe, not even across documents (a race crashes the process or swaps
# error codes); batch threads share this lock. Processes each have their own pdfium.
PDFIUM_LOCK = threading.Lock()


@dataclass(frozen=True)
class LoadedLetter:
    text: str
    source: Source
    words: tuple[OcrWord, ...] = ()  # OCR only: every word with its box, for reading tables by layout


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
LetterSource: TypeAlias = "str | os.PathLike[str] | bytes | LoadedLetter"


def as_letter(source: LetterSource) -> LoadedLetter:
    """The letter from a path (`pathlib.Path` or any `os.PathLike`: the file is read), a file's `bytes`,
    a `str`, which is always the letter's text and never opened as a file: a service that passes a
    user's text to `parse` cannot be made to read `/proc/self/environ` or another letter; or a letter
    already loaded (`load_file`, as the CLI does with its page groups)."""
    if isinstance(source, LoadedLetter):
        return source
    if isinstance(source, os.PathLike):
        return load_file(Path(source))
    if isinstance(source, bytes):
        return load_bytes(source)
    if isinstance(source, str):
        if "\n" not in source.strip() and len(source) < 4096 and source.strip().lower().endswith(LETTER_SUFFIXES):
            raise InputError(
                "parse() and extract() read a str as the letter's text, and this one looks like a file name: "
                "pass pathlib.Path(...) to read a file"
            )
        # a lone surrogate (not text at all) cannot be written as JSON: U+FFFD in its place keeps every offset
        return LoadedLetter(unligature(_LONE_SURROGATE.sub("\ufffd", source)), Source(kind="text"))
    raise InputError(f"cannot read a letter from {type(source).__name__}: give a Path, bytes or the letter's text")


def _cp1252_bytes(e: UnicodeError) -> tuple[str, int]:
    if not isinstance(e, UnicodeDecodeError):
        raise e
    return e.object[e.start : e.end].decode("cp1252", errors="replace"), e.end


_CP1252_FALLBACK = "imr-llm-cp1252"
codecs.register_error(_CP1252_FALLBACK, _cp1252_bytes)


def _decode(data: bytes) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-32 or UTF-16 with a BOM, else cp1252."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE 00 00 starts with FF FE
        try:
            return data.decode("utf-32")
        except UnicodeDecodeError as e:
            raise InputError(f"broken UTF-32 text ({e.reason})") from e
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _utf16(data, "utf-16")
    head = data[:4096]
    if b"\x00" in head:
        # UTF-16 without a BOM: in Latin text every other byte is zero, the others printable
        if _looks_utf16(head[0::2], head[1::2]):
            return _utf16(data, "utf-16-le")
        if _looks_utf16(head[1::2], head[0::2]):
            return _utf16(data, "utf-16-be")
        raise InputError("binary file, not text or PDF")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    as_utf8 = data.decode("utf-8-sig", errors="replace")
    if any(ord(c) > 0x7F and c != "\ufffd" for c in as_utf8):
        # UTF-8 with a stray Windows-1252 byte (a pasted curly quote or dash): read as cp1252, the whole text's
        # UTF-8 dashes and accents came out as "â€“"; only the bytes that are not UTF-8 are read as cp1252
        return data.decode("utf-8-sig", errors=_CP1252_FALLBACK)
    text = data.decode("cp1252", errors="replace")
    if text.count("\ufffd") > len(text) // 100 + 5:
        raise InputError("not valid text in UTF-8, UTF-16 or Windows-1252")
    return text


def _looks_utf16(chars: bytes, zeros: bytes) -> bool:
    if len(zeros) < 32:
        return False
    printable = sum(32 <= b < 127 or b in (9, 10, 12, 13) for b in chars)
    return zeros.count(0) > 0.9 * len(zeros) and printable > 0.9 * len(chars)


def _utf16(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as e:
        raise InputError(f"broken UTF-16 text ({e.reason})") from e


def pdf_text(data: bytes) -> tuple[str, int]:
    """Text of a PDF's pages (joined by form feeds) and the page count; InputError when it has no
    usable text layer (see `load_bytes`, which then reads it by OCR)."""
    with PDFIUM_LOCK:
        pages = _with_pdf(data, _page_texts)
    text = "\f".join(pages)
    if not usable_text(text, len(pages)):
        raise NoTextLayer(f"PDF has no usable text layer ({len(pages)} page(s))", text, len(pages))
    return text, len(pages)


class NoTextLayer(InputError):
    """A PDF whose text layer is empty or garbage: read it by OCR."""

    def __init__(self, message: str, text: str = "", pages: int = 0) -> None:
        super().__init__(message)
        self.text, self.pages = text, pages


_WORD = re.compile(r"[A-Za-z]{3,}")


def usable_text(text: str, pages: int) -> bool:
    """Whether a text layer holds readable words: at least 15 words of three letters or more per page,
    and mostly letters among its non-blank characters (a garbage layer is symbols and odd glyphs)."""
    words = len(_WORD.findall(text))
    letters = sum(map(str.isalpha, text))  # map: counted at C speed, not one Python step per character
    visible = len(text) - sum(map(str.isspace, text))
    return words >= 15 * max(1, pages) and letters >= 0.5 * max(1, visible)


_T = TypeVar("_T")


def _with_pdf(data: bytes, use: Callable[[Any], _T]) -> _T:
    import pypdfium2 as pdfium  # imported here: text-only runs need not load pdfium

    try:
        pdf = pdfium.PdfDocument(data, password="")
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise InputError("PDF is password-protected") from e
        raise InputError(f"cannot open PDF ({msg.rstrip('.')})") from e
    try:
        return use(pdf)
    finally:
        pdf.close()


def _page_texts(pdf: Any) -> list[str]:
    pages = []
    for page in pdf:
        textpage = page.get_textpage()
        pages.append(textpage.get_text_range())
        textpage.close()
        page.close()
    return pages


def _pdf_images(data: bytes) -> list[PageImage]:
    with PDFIUM_LOCK:
        return _with_pdf(data, lambda pdf: pdf_page_images(pdf, len(pdf)))


def _ocr(pages: list[PageImage], kind: str, path: str | None, digest: str) -> LoadedLetter:
    from imr_llm.loaders.ocr import ocr_pages

    result = ocr_pages(pages, kind)
    if not usable_text(result.text, len(pages)):
        raise InputError(f"OCR found no readable text on {len(pages)} page(s) (blank, or not a letter?)")
    source = Source(path=path, kind="ocr", sha256=digest, pages=len(pages), ocr=result.info)
    return LoadedLetter(result.text, source, tuple(result.words))


def load_bytes(data: bytes, path: str | None = None) -> LoadedLetter:
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"%PDF"):
        try:
            text, pages = pdf_text(data)
        except NoTextLayer as no_layer:
            try:
                return _ocr(_pdf_images(data), "pdf", path, digest)
            except InputError:
                if not _WORD.search(no_layer.text):
                    raise
                # a short document with a clean text layer (not a scan): let the parser say what it is
                return LoadedLetter(no_layer.text, Source(path=path, kind="pdf", sha256=digest, pages=no_layer.pages))
        return LoadedLetter(unligature(text), Source(path=path, kind="pdf", sha256=digest, pages=pages))
    kind = image_format(data)
    if kind is not None:
        return _ocr(image_pages(data), kind, path, digest)
    if not data.strip():
        raise InputError("empty file")
    text = _decode(data)
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"text too long for one letter ({len(text):,} characters)")
    if not text.strip():
        raise InputError("file holds only whitespace")
    return LoadedLetter(unligature(text), Source(path=path, kind="text", sha256=digest))


# a PDF's text layer (or text pasted from one) may hold typographic ligatures: "Certiﬁcation" is "Certification"
# to every rule (the letters' labels, the reviewer's words); each is written out, as Unicode's NFKC form does
_LIGATURES = {chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)}
_LIGATURE = re.compile("[\ufb00-\ufb06]")


def unligature(text: str) -> str:
    """`text` with its ligatures written out ("ﬁ" as "fi"); offsets into the result are the letter's offsets."""
    return _LIGATURE.sub(lambda m: _LIGATURES[m.group(0)], text) if _LIGATURE.search(text) else text


def read_bytes(path: Path) -> bytes:
    """A letter file's bytes; InputError for a folder, a FIFO, device or socket (never read: a FIFO would
    hang), a file too large for one letter, or one that cannot be read."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InputError("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise InputError("not a regular file (a FIFO, device or socket); give a letter file")
        if info.st_size > MAX_BYTES:
            raise InputError(f"file too large for one letter ({info.st_size / 1e6:.0f} MB)")
        return path.read_bytes()
    except FileNotFoundError as e:
        raise InputError("no such file") from e
    except PermissionError as e:
        raise InputError("permission denied") from e
    except IsADirectoryError as e:
        raise InputError("is a folder, not a file") from e
    except OSError as e:
        raise InputError(f"cannot read ({e.strerror or e})") from e


def load_file(path: Path) -> LoadedLetter:
    """Read one letter file; raises InputError with a one-line reason."""
    return load_bytes(read_bytes(path), str(path))


def load_pages(paths: list[Path], name: str | None = None) -> LoadedLetter:
    """Several image files (photos or scans of each page) as one letter, in the order given; `name` is what the
    record calls it (a NAME.pages/ folder), else the pages' names joined."""
    if not paths:
        raise InputError("no pages given")
    pages: list[PageImage] = []
    digest = hashlib.sha256()
    for path in paths:
        data = read_bytes(path)
        digest.update(hashlib.sha256(data).digest())
        kind = image_format(data)
        if kind is None:
            if data.startswith(b"%PDF"):
                pages += _pdf_images(data)
                continue
            raise InputError(f"{path}: not an image (a page for --pages is a photo or scan: JPEG, PNG, TIFF)")
        pages += image_pages(data)
        if len(pages) > MAX_PAGES:  # per file the limit held, over the files given not (45 pages were read)
            raise InputError(f"more than {MAX_PAGES} pages given; is this one letter?")
    return _ocr(pages, "pages", name or " + ".join(map(str, paths)), digest.hexdigest())
