"""Read a letter file (text or PDF) into text, with clear errors for bad input.

PDFs from the DWC are AES-encrypted with an empty user password; pdfium opens
them without extra dependencies. Pages are joined with a form feed, as
`pdftotext` does, so page breaks look the same whichever tool made the text.
"""

from __future__ import annotations

import codecs
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from imr_llm.errors import InputError
from imr_llm.schema import Source

MAX_BYTES = 20 * 1024 * 1024  # no IMR letter comes near this; refuse before reading it all
MAX_TEXT_CHARS = 2_000_000
# pdfium is not thread-safe, not even across documents (a race crashes the process or swaps
# error codes); batch threads share this lock. Processes each have their own pdfium.
_PDFIUM_LOCK = threading.Lock()


@dataclass(frozen=True)
class LoadedLetter:
    text: str
    source: Source


def _decode(data: bytes) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with a BOM, else cp1252."""
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
    """Text of a PDF's pages (joined by form feeds) and the page count."""
    with _PDFIUM_LOCK:
        pages = _pdf_pages(data)
    text = "\f".join(pages)
    if not text.strip():
        raise InputError(f"PDF has no text layer ({len(pages)} page(s); scanned? run OCR first)")
    return text, len(pages)


def _pdf_pages(data: bytes) -> list[str]:
    import pypdfium2 as pdfium  # imported here: text-only runs need not load pdfium

    try:
        pdf = pdfium.PdfDocument(data, password="")
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise InputError("PDF is password-protected") from e
        raise InputError(f"cannot open PDF ({msg.rstrip('.')})") from e
    try:
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return pages


def load_bytes(data: bytes, path: str | None = None) -> LoadedLetter:
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"%PDF"):
        text, pages = pdf_text(data)
        return LoadedLetter(text, Source(path=path, kind="pdf", sha256=digest, pages=pages))
    if not data.strip():
        raise InputError("empty file")
    text = _decode(data)
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"text too long for one letter ({len(text):,} characters)")
    if not text.strip():
        raise InputError("file holds only whitespace")
    return LoadedLetter(text, Source(path=path, kind="text", sha256=digest))


def load_file(path: Path) -> LoadedLetter:
    """Read one letter file; raises InputError with a one-line reason."""
    try:
        if path.is_dir():
            raise InputError("is a folder, not a file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"file too large for one letter ({size / 1e6:.0f} MB)")
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise InputError("no such file") from e
    except PermissionError as e:
        raise InputError("permission denied") from e
    except IsADirectoryError as e:
        raise InputError("is a folder, not a file") from e
    except OSError as e:
        raise InputError(f"cannot read ({e.strerror or e})") from e
    return load_bytes(data, str(path))
