"""The renderer family (imr_llm/evals/renderings.py) and the scan suites: every rendering is the same
bytes twice and is pages of its kind; the groups split the renderings; suites name only known inputs;
the runner scores your own scans kept beside the gold (NAME.tif / .png / .jpg / .webp, NAME.scan.pdf,
NAME.pages/). Made from the synthetic letters in samples/ only; one small test runs OCR."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageSequence

from imr_llm.errors import ConfigError
from imr_llm.evals import renderings, runner
from imr_llm.evals.renderings import (
    DEVELOPMENT,
    HELD_OUT,
    RENDERERS,
    RENDERING_GROUPS,
    VARIANTS,
    rendering,
    rendering_kind,
)
from imr_llm.evals.results import LetterResult
from imr_llm.evals.runner import letter_label, run_suite, select_letters
from imr_llm.evals.suite import input_kinds, load_suite
from imr_llm.loaders import load_file
from imr_llm.loaders.images import image_pages
from imr_llm.suffixes import page_files
from tests.conftest import REPO, SAMPLES, needs_tesseract

NAME = "synth-2016-basic"
PDF = SAMPLES / f"{NAME}.pdf"
PAGES = 2  # the sample letter's pages


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    cache = tmp_path_factory.mktemp("renderings")
    return {kind: rendering(kind, PDF, NAME, cache) for kind in RENDERERS}


def contents(path: Path) -> dict[str, bytes]:
    """A rendering's bytes: one file, or every file of a photo folder by name."""
    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.iterdir())}
    return {path.name: path.read_bytes()}


def dark_share(image: Image.Image) -> float:
    """The share of ink: pixels well darker than the paper (the median grey). Not blank, not black."""
    grey = image.convert("L")
    histogram = grey.histogram()
    total, seen, median = grey.width * grey.height, 0, 0
    while seen + histogram[median] < total / 2:
        seen += histogram[median]
        median += 1
    return sum(histogram[: max(0, median - 60)]) / total


@pytest.mark.parametrize("kind", list(RENDERERS))
def test_every_rendering_is_the_same_bytes_twice(kind: str, rendered: dict[str, Path], tmp_path: Path) -> None:
    again = rendering(kind, PDF, NAME, tmp_path)
    assert contents(again) == contents(rendered[kind])
    assert rendering(kind, PDF, NAME, tmp_path) == again  # cached: found, not made again
    assert [p.name for p in (tmp_path / kind).rglob("*") if p.name.startswith(".")] == []  # no work folders left


@pytest.mark.parametrize("kind", list(RENDERERS))
def test_every_rendering_is_readable_pages_of_its_kind(kind: str, rendered: dict[str, Path]) -> None:
    path = rendered[kind]
    variant = VARIANTS.get(kind)
    low, high = variant.dpi if variant else (200.0, 200.0)
    made = variant.kind if variant else kind
    if made == "photo":  # phone photos: one JPEG per page, no resolution
        files = page_files(path)
        assert [p.name for p in files] == ["page-01.jpg", "page-02.jpg"]
        for file in files:
            image = Image.open(file)
            assert image.format == "JPEG" and image.mode == ("RGB" if variant and variant.tint else "L")
            assert "dpi" not in image.info
            assert 0.005 < dark_share(image) < 0.5
            if variant:  # the page at its drawn pixels per inch, plus the desk around it
                assert low * 8.5 * 0.95 <= image.width <= high * 8.5 * (1 + 2 * (variant.desk[1] + 0.07))
    elif path.suffix == ".pdf":  # scans: an image-only PDF, one picture per page, no text layer
        document = pdfium.PdfDocument(path.read_bytes())
        assert len(document) == PAGES
        for page in document:
            assert page.get_textpage().count_chars() == 0
            (picture,) = list(page.get_objects())
            width_px, _ = picture.get_px_size()
            dpi = width_px / (page.get_size()[0] / 72)
            assert low - 1 <= dpi <= high + 1
            assert 0.005 < dark_share(picture.get_bitmap().to_pil()) < 0.6
    else:  # TIFF: a grey scan, or a 1-bit fax in fine or standard mode
        image = Image.open(path)
        assert image.format == "TIFF" and image.n_frames == PAGES
        xdpi, ydpi = (float(v) for v in image.info["dpi"])
        if made == "fax":
            rows = variant.rows if variant else 98.0
            compression = variant.compression if variant else "group4"
            assert image.mode == "1" and (xdpi, ydpi) == (204.0, rows)
            assert image.info["compression"] == compression
        else:
            assert image.mode == "L" and xdpi == ydpi and low <= xdpi <= high
        for frame in ImageSequence.Iterator(image):
            assert 0.005 < dark_share(frame) < 0.5
        # the loader takes every page, with square pixels at the resolution it says
        pages = image_pages(path.read_bytes())
        assert len(pages) == PAGES and all(p.dpi >= 150 for p in pages)
        assert abs(pages[0].image.height / pages[0].image.width - 11 / 8.5) < 0.12


def test_variants_draw_their_own_values_per_letter_and_page() -> None:
    rng = renderings._variant_rng
    for name, v in VARIANTS.items():
        turns = (-v.angle, v.angle)
        draws = {renderings._draw(rng(name, letter, page), turns) for letter in ("a", "b") for page in (0, 1)}
        assert len(draws) == 4 and all(-v.angle <= a <= v.angle for a in draws)
    assert renderings._draw(rng("scan-b", "a", 0), (0, 1)) != renderings._draw(rng("scan-c", "a", 0), (0, 1))
    # each variant draws inside the bounds
    for v in VARIANTS.values():
        assert 150 <= v.dpi[0] <= v.dpi[1] <= 300 and v.angle <= 3.0
        assert v.kind != "scan" or 30 <= v.jpeg[0] <= v.jpeg[1] <= 90
        assert v.kind != "fax" or v.rows in (98.0, 196.0)


def test_groups_split_the_renderings_and_the_scan_suites_follow_them() -> None:
    assert set(RENDERING_GROUPS) == {"development", "held-out"}
    assert set(DEVELOPMENT) | set(HELD_OUT) == set(RENDERERS) and not set(DEVELOPMENT) & set(HELD_OUT)
    assert {"scan", "fax", "photo"} <= set(DEVELOPMENT)
    assert {VARIANTS[k].kind for k in HELD_OUT} == {"scan", "fax", "photo"}  # each kind has held-out renderings

    def suite(name: str) -> dict[str, object]:
        return tomllib.loads((REPO / "evals" / f"{name}.toml").read_text())

    full, held_out, ci = suite("dev-scans"), suite("dev-scans-heldout"), suite("dev-scans-ci")
    assert full["inputs"] == list(DEVELOPMENT) and "letters" not in full and "limit" not in full
    assert held_out["inputs"] == list(HELD_OUT) and "letters" not in held_out and "limit" not in held_out
    assert ci["inputs"] == ["scan", "fax", "photo"]
    assert ci["letters"] == ["CM16-0234464", "CM16-0247287", "CM16-0239110", "CM16-0233904", "CM17-0005924"]
    assert set(input_kinds()) >= set(RENDERERS) | {"txt", "pdf", "image", "scanned-pdf", "pages"}


def test_a_suite_naming_an_unknown_rendering_fails_clearly(tmp_path: Path) -> None:
    suite = tmp_path / "bad.toml"
    suite.write_text(f'name = "bad"\ngold = "{SAMPLES}"\ninputs = ["scan", "scan-z"]\n')
    with pytest.raises(ConfigError) as error:
        load_suite(suite)
    message = str(error.value)
    assert "unknown input(s) 'scan-z'" in message and "inputs" in message
    assert all(kind in message for kind in RENDERERS) and "scanned-pdf" in message
    with pytest.raises(ConfigError, match="unknown rendering 'scan-z'"):
        rendering("scan-z", PDF, NAME, tmp_path)


def test_an_interrupted_rendering_is_never_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def half_written(pdf: Path, name: str, target: Path) -> Path:
        target.with_suffix(".pdf").write_bytes(b"%PDF-1.4 half")
        raise OSError("disk full")

    monkeypatch.setitem(RENDERERS, "scan", half_written)
    with pytest.raises(OSError, match="disk full"):
        rendering("scan", PDF, NAME, tmp_path)
    assert list((tmp_path / "scan").iterdir()) == []


def test_labels_name_the_rendering_or_the_kept_file() -> None:
    def label(path: str) -> str:
        return letter_label(LetterResult(name="X", input=path, gold={}))

    assert label("out/evals/renderings/scan/X.pdf") == "X (scan)"
    assert label("out/evals/renderings/scan-b/0123456789/X.pdf") == "X (scan-b)"
    assert label("out/evals/renderings/photo/X.photos") == "X (photo)"
    assert label("/gold/X.pdf") == "X (pdf)" and label("/gold/X.txt") == "X (txt)"
    assert label("/gold/X.scan.pdf") == "X (scan.pdf)" and label("/gold/X.pages") == "X (pages)"
    assert label("X.fax-fine") == "X (fax-fine)"  # failed before its rendering was made
    assert rendering_kind(Path("/gold/scan/X.pdf")) is None  # a folder that happens to be named "scan"


def kept_gold_folder(folder: Path, rendered: dict[str, Path]) -> Path:
    """A gold folder with your own scans of the sample letter beside its gold, and a second letter with none."""
    folder.mkdir()
    shutil.copy(SAMPLES / f"{NAME}.gold.json", folder)
    shutil.copy(SAMPLES / "synth-2014.gold.json", folder)
    shutil.copy(SAMPLES / "synth-2014.txt", folder)
    shutil.copy(rendered["fax-fine"], folder / f"{NAME}.tif")
    photos = page_files(rendered["photo-curl"])
    Image.open(photos[0]).save(folder / f"{NAME}.WEBP", "WEBP", quality=80)  # suffixes match in any case
    shutil.copy(rendered["scan-b"], folder / f"{NAME}.scan.pdf")
    pages = folder / f"{NAME}.pages"
    pages.mkdir()
    shutil.copy(photos[0], pages / "IMG_9.jpg")  # name order: 9 before 10
    shutil.copy(photos[1], pages / "IMG_10.jpg")
    (pages / "notes.txt").write_text("not a page")
    shutil.copy(rendered["fax"], folder / f"{NAME}-copy.tif")  # another name: not this letter's
    return folder


def kept_suite(folder: Path, inputs: list[str], letters: list[str] | None = None) -> Path:
    suite = folder / "kept.toml"
    lines = ['name = "kept"', f'gold = "{folder}"', f"inputs = {json.dumps(inputs)}", 'backend = "rules"']
    if letters is not None:
        lines.append(f"letters = {json.dumps(letters)}")
    suite.write_text("\n".join(lines) + '\nscorers = ["fields", "items"]\n')
    return suite


def test_the_runner_scores_your_own_scans_beside_the_gold(
    tmp_path: Path, rendered: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = kept_gold_folder(tmp_path / "gold", rendered)
    suite = load_suite(kept_suite(folder, ["txt", "image", "scanned-pdf", "pages", "fax"]))
    chosen = [(i.gold.name, i.kind, i.path.name if i.path else None) for i in select_letters(suite)]
    assert chosen == [
        ("synth-2014", "txt", None),  # no scans kept for it: only its text
        (NAME, "image", f"{NAME}.WEBP"),
        (NAME, "image", f"{NAME}.tif"),
        (NAME, "scanned-pdf", f"{NAME}.scan.pdf"),
        (NAME, "pages", f"{NAME}.pages"),
    ]  # and no "fax": there is no NAME.pdf in this folder to render
    assert [p.name for p in page_files(folder / f"{NAME}.pages")] == ["IMG_9.jpg", "IMG_10.jpg"]

    # what the runner hands the loaders (no OCR here: every scan reads as the letter's own text)
    read: list[list[str]] = []

    def fake_file(path: Path) -> object:
        read.append([path.name])
        return load_file(SAMPLES / f"{NAME}.txt") if path.suffix != ".txt" else load_file(path)

    def fake_pages(paths: list[Path]) -> object:
        read.append([p.name for p in paths])
        return load_file(SAMPLES / f"{NAME}.txt")

    monkeypatch.setattr(runner, "load_file", fake_file)
    monkeypatch.setattr(runner, "load_pages", fake_pages)
    run = run_suite(suite)
    # OCR inputs are read one per core, so in any order; the run file keeps the input order (below)
    assert sorted(read) == sorted(
        [
            ["synth-2014.txt"],
            [f"{NAME}.WEBP"],
            [f"{NAME}.tif"],
            [f"{NAME}.scan.pdf"],
            ["IMG_9.jpg", "IMG_10.jpg"],  # the pages in name order, notes.txt left out
        ]
    )
    assert [letter_label(x) for x in run.letters] == [
        "synth-2014 (txt)",
        f"{NAME} (WEBP)",
        f"{NAME} (tif)",
        f"{NAME} (scan.pdf)",
        f"{NAME} (pages)",
    ]
    assert all(x.error is None for x in run.letters) and run.metrics["key_field_accuracy"] == 1.0
    assert len(run.letter_metrics) == 5  # one line per input, none overwritten

    # a folder of pages with no page in it is that input's error, not a crash
    for page in (folder / f"{NAME}.pages").glob("*.jpg"):
        page.unlink()
    run = run_suite(load_suite(kept_suite(folder, ["pages"])))
    assert run.letters[0].error is not None and "no page images" in run.letters[0].error


@needs_tesseract
def test_a_scanned_pdf_beside_the_gold_is_read_by_ocr(tmp_path: Path, rendered: dict[str, Path]) -> None:
    folder = tmp_path / "gold"
    folder.mkdir()
    shutil.copy(SAMPLES / f"{NAME}.gold.json", folder)
    shutil.copy(rendered["scan-b"], folder / f"{NAME}.scan.pdf")
    run = run_suite(load_suite(kept_suite(folder, ["scanned-pdf"])))
    (letter,) = run.letters
    assert letter.error is None and letter.input.endswith(f"{NAME}.scan.pdf")
    assert letter.record is not None and letter.record["source"]["kind"] == "ocr"
    assert [(i["request"][:20], i["decision"]) for i in letter.record["disputed_items"]] == [
        ("Physical therapy two", "upheld"),
        ("MRI of the right sho", "overturned"),
    ]
    assert run.metrics["key_field_accuracy"] >= 0.9
