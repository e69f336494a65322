from __future__ import annotations

import codecs
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from imr_llm.errors import InputError
from imr_llm.loaders import load_bytes, load_file
from tests.conftest import SAMPLES
from tests.pdfs import make_image_only_pdf, make_pdf


def test_utf16_and_cp1252_text_decode() -> None:
    text = (SAMPLES / "synth-2016-basic.txt").read_text()
    assert load_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le")).text == text
    assert load_bytes(("caf\u00e9 " + text).encode("cp1252")).text.startswith("caf\u00e9")
    # UTF-32 with its BOM (whose first bytes are UTF-16's BOM) was read as UTF-16: "not an IMR letter"
    assert load_bytes(text.encode("utf-32")).text == text
    assert load_bytes(codecs.BOM_UTF32_BE + text.encode("utf-32-be")).text == text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"  \n\t \n", "empty file"),
        (b"\x00\x01\x02binary\x00" * 50, "binary file, not text or PDF"),
    ],
)
def test_bad_bytes(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_bytes(data)


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="OCR found no readable text"):
        load_file(make_image_only_pdf(tmp_path / "scan.pdf"))


def test_truncated_pdf(tmp_path: Path) -> None:
    good = make_pdf((SAMPLES / "synth-2016-basic.txt").read_text(), tmp_path / "good.pdf")
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError, match="cannot open PDF"):
        load_file(cut)


def test_pdf_source_fields(tmp_path: Path) -> None:
    pdf = make_pdf((SAMPLES / "synth-2016-basic.txt").read_text(), tmp_path / "a.pdf")
    loaded = load_file(pdf)
    assert loaded.source.kind == "pdf"
    assert loaded.source.pages == 2
    assert loaded.source.sha256 is not None and len(loaded.source.sha256) == 64
    assert "\f" in loaded.text


def test_pdfs_read_from_many_threads_at_once(tmp_path: Path) -> None:
    """pdfium is not thread-safe (not even across documents); batch threads must still get the right answers."""
    text = (SAMPLES / "synth-2016-basic.txt").read_text()
    good = make_pdf(text, tmp_path / "good.pdf").read_bytes()
    locked = make_pdf(text, tmp_path / "locked.pdf", user_password="secret").read_bytes()
    cut = good[: len(good) // 2]
    expected = {"good": "ok", "locked": "PDF is password-protected", "cut": "cannot open PDF"}
    inputs = [("good", good), ("locked", locked), ("cut", cut)] * 60

    def outcome(data: bytes) -> str:
        try:
            return "ok" if "Date Assigned" in load_bytes(data).text else "wrong text"
        except InputError as e:
            return str(e).split(" (")[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda item: outcome(item[1]), inputs))
    assert [expected[name] for name, _ in inputs] == results


def test_one_table_of_letter_files_for_batch_and_the_api(tmp_path: Path) -> None:
    """.webp, .gif and .bmp letters are found by `batch FOLDER/` and read by `imr_llm.parse(path)`, as the README
    says: the loaders, the API and batch share one table of suffixes."""
    from PIL import Image

    from imr_llm.api import _load
    from imr_llm.batch.inputs import iter_inputs
    from imr_llm.suffixes import IMAGE_SUFFIXES, LETTER_SUFFIXES

    assert {".webp", ".gif", ".bmp"} <= set(IMAGE_SUFFIXES) <= set(LETTER_SUFFIXES)
    for suffix in (".webp", ".gif", ".bmp"):
        Image.new("L", (40, 40), 255).save(tmp_path / f"page{suffix}")
    found = sorted(Path(p).name for p in iter_inputs([str(tmp_path)]))
    assert found == ["page.bmp", "page.gif", "page.webp"]
    with pytest.raises(InputError, match=r"OCR|Tesseract|no readable text"):  # read as an image, not as text
        _load(tmp_path / "page.webp")
    for suffix in (".webp", ".gif", ".bmp"):  # a str is text; one that looks like any letter file's name is refused
        with pytest.raises(InputError, match="looks like a file name"):
            _load(str(tmp_path / f"page{suffix}"))
