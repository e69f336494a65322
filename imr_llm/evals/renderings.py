"""Image renderings of gold letters, made by our own deterministic code, to measure reading by OCR.

Three fixed renderers (unchanged since the first scan eval; CI's dev-scans-ci suite uses them):

- scan:  200 dpi grey, skewed up to 2 degrees, blurred, with noise, JPEG-compressed, saved as an
         image-only PDF (what a library copier produces);
- fax:   1-bit, 204 x 98 dpi ("normal" fax resolution), a multi-page TIFF with CCITT G4 compression;
- photo: one JPEG per page as a phone takes it: no resolution, a perspective tilt, uneven light;
         read as one letter (`load_pages`).

and a seeded FAMILY of variants (`VARIANTS`), so that OCR rules are not fitted to one renderer's
noise. A variant is a set of parameter ranges; each letter and page draws its own values from a
generator seeded by (variant name, letter name, page) (the resolution once per letter, as a scanner
setting is): resolution, rotation, blur, Gaussian noise, JPEG quality, contrast and brightness, paper
grey and toner (a copier's darker background), blotchy toner, a dark copier edge, salt-and-pepper
speckle; for faxes the fine (204 x 196) or standard (204 x 98) mode, threshold or dither, line
streaks and the sending machine's header line; for phone photos the desk around the page, a
perspective, a curled page (a smooth vertical displacement that bends lines), tri-fold creases,
uneven light, a shadow band and a warm colour cast.

The variants are split into two groups (`RENDERING_GROUPS`):

- DEVELOPMENT: the OCR work may look at and tune on these (evals/dev-scans.toml);
- HELD_OUT:    only to report how reading holds up on renderings nobody tuned on
               (evals/dev-scans-heldout.toml). Do not look at their pages or tune on their errors.

Every random choice comes from such a generator, so a rendering is the same bytes on every run (with
the same numpy, Pillow and pdfium). Renderings are cached beside the run (out/evals/renderings/KIND/),
written to a temporary name first, so an interrupted rendering is never reused.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from imr_llm.errors import ConfigError
from imr_llm.loaders import PDFIUM_LOCK

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

CACHE = Path("out") / "evals" / "renderings"
PDF_DATE = time.gmtime(0)  # Pillow stamps the time into a PDF unless told: same bytes on every run


def _rng(name: str, page: int) -> np.random.Generator:
    import numpy as np

    seed = int.from_bytes(hashlib.sha256(f"{name}:{page}".encode()).digest()[:8], "big")
    return np.random.default_rng(seed)


def _pages(pdf: Path, dpi: float) -> list[Image.Image]:
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:  # pdfium is not thread-safe, not even across documents
        document = pdfium.PdfDocument(pdf.read_bytes(), password="")
        try:
            return [page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for page in document]
        finally:
            document.close()


def _noise(image: Image.Image, rng: np.random.Generator, sigma: float) -> Image.Image:
    import numpy as np
    from PIL import Image

    pixels = np.asarray(image, dtype=np.float32) + rng.normal(0.0, sigma, (image.height, image.width))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    from PIL import Image

    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


def scan(pdf: Path, name: str, target: Path) -> Path:
    from PIL import Image, ImageFilter

    pages = []
    for k, page in enumerate(_pages(pdf, 200)):
        rng = _rng(name, k)
        angle = float(rng.uniform(-2.0, 2.0))
        page = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=245)
        page = page.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.4, 0.9))))
        pages.append(_jpeg(_noise(page, rng, 8.0), 70))
    target = target.with_suffix(".pdf")
    pages[0].save(
        target,
        "PDF",
        save_all=True,
        append_images=pages[1:],
        resolution=200.0,
        creationDate=PDF_DATE,
        modDate=PDF_DATE,
    )
    return target


def fax(pdf: Path, name: str, target: Path) -> Path:
    from PIL import Image, ImageFilter

    pages = []
    for k, page in enumerate(_pages(pdf, 204)):
        rng = _rng(name, k)
        page = page.rotate(float(rng.uniform(-1.0, 1.0)), resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        page = page.resize((page.width, round(page.height * 98 / 204)), Image.Resampling.LANCZOS)  # 98 dpi rows
        page = _noise(page.filter(ImageFilter.GaussianBlur(0.5)), rng, 6.0)
        pages.append(page.point(lambda v: 255 if v > 150 else 0).convert("1"))
    target = target.with_suffix(".tif")
    pages[0].save(target, "TIFF", save_all=True, append_images=pages[1:], compression="group4", dpi=(204, 98))
    return target


def photo(pdf: Path, name: str, target: Path) -> Path:
    """A folder of JPEGs, one per page (read with `load_pages`, in name order)."""
    import numpy as np
    from PIL import Image, ImageFilter

    folder = target.with_suffix(".photos")
    folder.mkdir(parents=True, exist_ok=True)
    for k, page in enumerate(_pages(pdf, 180)):
        rng = _rng(name, k)
        w, h = page.size
        # a perspective tilt: the top edge a little narrower than the bottom, shifted sideways
        dx, dy = w * float(rng.uniform(0.01, 0.03)), h * float(rng.uniform(0.0, 0.015))
        coeffs = _perspective([(dx, dy), (w - dx, dy * 0.5), (w, h), (0, h)], [(0, 0), (w, 0), (w, h), (0, h)])
        page = page.transform((w, h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC, fillcolor=235)
        # uneven light: darker towards one corner
        x = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
        y = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
        light = 1.0 - 0.35 * (0.6 * x + 0.4 * y) * float(rng.uniform(0.7, 1.0))
        lit = Image.fromarray(np.clip(np.asarray(page, dtype=np.float32) * light, 0, 255).astype(np.uint8))
        lit = _noise(lit.filter(ImageFilter.GaussianBlur(0.6)), rng, 5.0)
        lit.save(folder / f"page-{k + 1:02d}.jpg", "JPEG", quality=80)  # no dpi: a phone does not say
    return folder


def _perspective(source: list[tuple[float, float]], target: list[tuple[float, float]]) -> tuple[float, ...]:
    """Coefficients for PIL's PERSPECTIVE transform mapping `target` corners onto `source` corners."""
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.asarray(rows, dtype=np.float64)
    b = np.asarray([c for point in source for c in point], dtype=np.float64)
    return tuple(float(c) for c in np.linalg.solve(a, b))


# ---------------------------------------------------------------------------------------------------
# The seeded family

Range = tuple[float, float]
NONE: Range = (0.0, 0.0)


@dataclass(frozen=True)
class Variant:
    """Parameter ranges of one renderer variant; every page draws its own values inside them.

    Lengths that are given in pixels (blur, speckle dots) are at 200 dpi and scale with the resolution."""

    name: str
    kind: Literal["scan", "fax", "photo"]  # image-only PDF or grey TIFF / 1-bit fax TIFF / folder of JPEGs
    about: str
    dpi: Range = (200.0, 200.0)  # scans: the scanner's setting; photos: the page's pixels per inch
    angle: float = 0.0  # rotation, degrees either way
    blur: Range = NONE  # Gaussian blur radius, pixels at 200 dpi
    noise: Range = NONE  # Gaussian noise sigma, grey levels
    jpeg: Range = (75.0, 75.0)  # JPEG quality (scans, photos)
    contrast: Range = (1.0, 1.0)  # grey = (grey - 128) * contrast + 128 + brightness
    brightness: Range = NONE
    paper: Range = (255.0, 255.0)  # the paper's grey (a copier's background is darker)
    toner: Range = (0.0, 0.0)  # the grey of full ink
    mottle: Range = NONE  # blotchy toner / paper: a smooth field of +- this share
    edge: Range = NONE  # a copier's dark band along one side, as a share of the width
    speckle: Range = NONE  # share of pixels turned into black or white specks (and a few dust dots)
    container: Literal["pdf", "tiff"] = "pdf"  # scans
    # faxes
    rows: float = 98.0  # vertical resolution: 196 fine, 98 standard
    threshold: Range = (150.0, 150.0)  # grey level below which a pixel turns black
    dither: bool = False  # Floyd-Steinberg over the grey between black and white (a fax in photo mode)
    streaks: Range = NONE  # transmission errors: repeated or black lines, how many per page
    compression: Literal["group3", "group4"] = "group4"
    header: bool = False  # the sending machine's line at the top (date, time, a number, page)
    # phone photos
    desk: Range = NONE  # the desk around the page, as a share of the page's size
    perspective: Range = NONE  # corners moved by up to this share of the page's width and height
    curl: Range = NONE  # the curled page's displacement, as a share of the page's height
    creases: Range = NONE  # depth of the two shaded lines a tri-folded letter keeps
    light: Range = NONE  # uneven light: how much darker the dark side is
    shadow: Range = NONE  # a soft shadow band across the page: how much darker
    tint: bool = False  # a phone's warm colour cast (the JPEGs are RGB)

    @property
    def suffix(self) -> str:
        return {"scan": ".pdf" if self.container == "pdf" else ".tif", "fax": ".tif", "photo": ".photos"}[self.kind]


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        # DEVELOPMENT
        Variant(
            "scan-b",
            "scan",
            "an office scanner: image-only PDF, 200-300 dpi, up to 3 degrees, JPEG 45-90, contrast and brightness",
            dpi=(200.0, 300.0),
            angle=3.0,
            blur=(0.3, 1.0),
            noise=(3.0, 10.0),
            jpeg=(45.0, 90.0),
            contrast=(0.8, 1.15),
            brightness=(-15.0, 10.0),
        ),
        Variant(
            "copier-dark",
            "scan",
            "a photocopy, scanned: grey paper, blotchy toner, speckle, a dark edge; image-only PDF, 200-240 dpi",
            dpi=(200.0, 240.0),
            angle=2.5,
            blur=(0.5, 1.0),
            noise=(4.0, 9.0),
            jpeg=(35.0, 70.0),
            contrast=(0.9, 1.2),
            brightness=(-10.0, 5.0),
            paper=(175.0, 215.0),
            toner=(15.0, 45.0),
            mottle=(0.03, 0.08),
            edge=(0.01, 0.04),
            speckle=(0.0005, 0.003),
        ),
        Variant(
            "fax-fine",
            "fax",
            "a fax in fine mode: 1-bit 204 x 196 dpi, G4 TIFF, threshold 125-175, speckle, streaks, header line",
            dpi=(204.0, 204.0),
            rows=196.0,
            angle=2.0,
            blur=(0.3, 0.8),
            noise=(4.0, 10.0),
            threshold=(125.0, 175.0),
            speckle=(0.0002, 0.0015),
            streaks=(0.0, 3.0),
            header=True,
        ),
        Variant(
            "photo-curl",
            "photo",
            "phone photos of a curled page on a desk: perspective, curl, creases, uneven light, JPEG 60-90",
            dpi=(190.0, 300.0),
            angle=2.0,
            blur=(0.5, 1.2),
            noise=(3.0, 8.0),
            jpeg=(60.0, 90.0),
            desk=(0.03, 0.08),
            perspective=(0.01, 0.04),
            curl=(0.01, 0.03),
            creases=(0.0, 0.06),
            light=(0.15, 0.4),
            tint=True,
        ),
        # HELD-OUT
        Variant(
            "scan-c",
            "scan",
            "a cheap low-resolution scan: grey JPEG-in-TIFF, 150-200 dpi, up to 3 degrees, JPEG 30-55, washed out",
            dpi=(150.0, 200.0),
            angle=3.0,
            blur=(0.6, 1.3),
            noise=(5.0, 12.0),
            jpeg=(30.0, 55.0),
            contrast=(0.65, 1.0),
            brightness=(0.0, 25.0),
            container="tiff",
        ),
        Variant(
            "copier-speckle",
            "scan",
            "a copy of a copy, scanned: darker paper, heavy salt-and-pepper, a dark edge; PDF, 150-220 dpi",
            dpi=(150.0, 220.0),
            angle=3.0,
            blur=(0.6, 1.2),
            noise=(6.0, 12.0),
            jpeg=(30.0, 60.0),
            contrast=(0.85, 1.15),
            brightness=(-15.0, 5.0),
            paper=(160.0, 205.0),
            toner=(25.0, 60.0),
            mottle=(0.05, 0.12),
            edge=(0.02, 0.06),
            speckle=(0.002, 0.006),
        ),
        Variant(
            "fax-std-b",
            "fax",
            "a fax in standard mode: 1-bit 204 x 98 dpi, G3 TIFF, dithered greys, speckle, streaks, header line",
            dpi=(204.0, 204.0),
            rows=98.0,
            angle=3.0,
            blur=(0.4, 0.9),
            noise=(6.0, 12.0),
            threshold=(115.0, 170.0),
            dither=True,
            speckle=(0.001, 0.004),
            streaks=(1.0, 5.0),
            compression="group3",
            header=True,
        ),
        Variant(
            "photo-shadow",
            "photo",
            "phone photos with a shadow band across the page: stronger perspective, some curl, 160-240 dpi, JPEG 45-80",
            dpi=(160.0, 240.0),
            angle=3.0,
            blur=(0.7, 1.5),
            noise=(4.0, 10.0),
            jpeg=(45.0, 80.0),
            desk=(0.04, 0.1),
            perspective=(0.02, 0.06),
            curl=(0.0, 0.008),
            creases=(0.02, 0.08),
            light=(0.2, 0.5),
            shadow=(0.3, 0.55),
            tint=True,
        ),
    )
}

DEVELOPMENT: tuple[str, ...] = ("scan", "fax", "photo", "scan-b", "copier-dark", "fax-fine", "photo-curl")
HELD_OUT: tuple[str, ...] = ("scan-c", "copier-speckle", "fax-std-b", "photo-shadow")
RENDERING_GROUPS: dict[str, tuple[str, ...]] = {"development": DEVELOPMENT, "held-out": HELD_OUT}


def _variant_rng(variant: str, name: str, page: int | str) -> np.random.Generator:
    """The generator of one variant, letter and page ("doc": what is drawn once per letter)."""
    import numpy as np

    seed = int.from_bytes(hashlib.sha256(f"{variant}:{name}:{page}".encode()).digest()[:8], "big")
    return np.random.default_rng(seed)


def _draw(rng: np.random.Generator, bounds: Range) -> float:
    """A value in `bounds` (always one draw, so that widening a range moves no other choice)."""
    low, high = bounds
    return low + (high - low) * float(rng.random())


def _field(rng: np.random.Generator, width: int, height: int, cells: int = 6) -> np.ndarray:
    """A smooth random field, mean 0 and about unit spread: blotches a few inches across."""
    import numpy as np
    from PIL import Image

    small = rng.normal(0.0, 1.0, (cells + 2, cells)).astype(np.float32)
    return np.asarray(Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC), dtype=np.float32)


def _smoothstep(low: float, high: float, x: np.ndarray) -> np.ndarray:
    import numpy as np

    t = np.clip((x - low) / max(high - low, 1e-6), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _speckle(a: np.ndarray, rng: np.random.Generator, share: float, scale: float) -> None:
    """Salt and pepper (more toner specks than drop-outs) and a few dust dots, in place."""
    import numpy as np

    h, w = a.shape
    count = int(share * a.size)
    if count:
        flat = a.reshape(-1)
        flat[rng.integers(0, a.size, count)] = np.where(rng.random(count) < 0.7, 0, 255)
    radius = max(1, round(1.5 * scale))
    for _ in range(count // 400):
        y, x = int(rng.integers(0, h - radius)), int(rng.integers(0, w - radius))
        a[y : y + radius + int(rng.integers(0, 2)), x : x + radius + int(rng.integers(0, 2))] = 0


def _scan_page(page: Image.Image, rng: np.random.Generator, v: Variant, dpi: float) -> Image.Image:
    import numpy as np
    from PIL import Image, ImageFilter

    scale = dpi / 200.0
    a = np.asarray(page, dtype=np.float32)
    paper, toner = _draw(rng, v.paper), _draw(rng, v.toner)
    a = paper - (255.0 - a) * ((paper - toner) / 255.0)
    mottle = _draw(rng, v.mottle)
    if mottle:
        a *= 1.0 + mottle * _field(rng, page.width, page.height)
    contrast, brightness = _draw(rng, v.contrast), _draw(rng, v.brightness)
    a = (a - 128.0) * contrast + 128.0 + brightness
    edge = _draw(rng, v.edge)
    if edge:  # the copier's lid did not cover the glass beside the page
        x = np.linspace(0.0, 1.0, page.width, dtype=np.float32)
        if rng.random() < 0.5:
            x = x[::-1]
        a *= (1.0 - 0.8 * (1.0 - _smoothstep(edge * 0.6, edge, x)))[None, :]
    background = int(np.clip((paper - 128.0) * contrast + 128.0 + brightness, 0, 255))
    page = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    angle = _draw(rng, (-v.angle, v.angle))
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=background)
    page = page.filter(ImageFilter.GaussianBlur(_draw(rng, v.blur) * scale))
    page = _noise(page, rng, _draw(rng, v.noise))
    share = _draw(rng, v.speckle)
    if share:
        specked = np.array(page)
        _speckle(specked, rng, share, scale)
        page = Image.fromarray(specked)
    return page


def _fax_header(page: Image.Image, rng: np.random.Generator, number: int, pages: int, doc: tuple[str, str]) -> None:
    """The line a sending fax machine prints at the top of each page, in place."""
    from PIL import ImageDraw, ImageFont

    font = ImageFont.load_default(size=22)  # about 8 points at 204 dpi
    stamp, sender = doc
    ImageDraw.Draw(page).text(
        (round(page.width * float(rng.uniform(0.04, 0.08))), round(page.height * 0.006)),
        f"{stamp}   FROM: {sender}   P. {number}/{pages}",
        fill=0,
        font=font,
    )


def _fax_page(
    page: Image.Image, rng: np.random.Generator, v: Variant, number: int, pages: int, doc: tuple[str, str]
) -> Image.Image:
    import numpy as np
    from PIL import Image, ImageFilter

    angle = _draw(rng, (-v.angle, v.angle))
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if v.header:  # added by the sending machine, after its scan: straight
        _fax_header(page, rng, number, pages, doc)
    page = page.resize((page.width, round(page.height * v.rows / 204)), Image.Resampling.LANCZOS)
    page = page.filter(ImageFilter.GaussianBlur(_draw(rng, v.blur)))
    page = _noise(page, rng, _draw(rng, v.noise))
    threshold = _draw(rng, v.threshold)
    if v.dither:  # greys between black and white are dithered, the rest cut
        low, high = threshold - 45.0, threshold + 45.0
        grey = np.clip((np.asarray(page, dtype=np.float32) - low) * (255.0 / (high - low)), 0, 255)
        a = np.asarray(Image.fromarray(grey.astype(np.uint8)).convert("1").convert("L")).copy()
    else:
        a = np.where(np.asarray(page) > threshold, 255, 0).astype(np.uint8)
    _speckle(a, rng, _draw(rng, v.speckle), 1.0)
    h, w = a.shape
    for _ in range(round(_draw(rng, v.streaks))):
        row, height = int(rng.integers(1, h - 4)), int(rng.integers(1, 4))
        if rng.random() < 0.6:  # a line lost in transmission: the previous one repeated
            a[row : row + height] = a[row - 1]
        else:  # line noise: a black stroke across part of the page
            start = int(rng.integers(0, w // 2))
            a[row : row + 1, start : start + int(rng.integers(w // 8, w // 2))] = 0
    return Image.fromarray(a).convert("1")


def _curl(rng: np.random.Generator, width: int, height: int, amount: float) -> tuple[np.ndarray, np.ndarray]:
    """A curled page: how far each pixel moves down (columns move smoothly, more towards the lifted side
    and the bottom, so straight lines bend), and how much light the lifted part loses."""
    import numpy as np

    x = np.linspace(0.0, 1.0, width, dtype=np.float32)
    lifted = x if rng.random() < 0.5 else x[::-1]
    start = float(rng.uniform(0.5, 0.75))
    rise = np.clip((lifted - start) / (1.0 - start), 0.0, 1.0) ** 2  # the lifted edge
    centre = float(rng.uniform(0.3, 0.7))
    bow = ((x - centre) / 0.7) ** 2  # the whole sheet bows: every line becomes an arc
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    sign = 1.0 if rng.random() < 0.5 else -1.0
    shift = sign * amount * height * (0.6 + 0.4 * y) * (bow + 0.5 * rise)[None, :]
    return shift, 1.0 - 0.12 * rise[None, :]


def _shift_rows(a: np.ndarray, shift: np.ndarray, fill: float) -> np.ndarray:
    """`a` with every pixel moved down by `shift` (bilinear between rows)."""
    import numpy as np

    h, w = a.shape
    source = np.arange(h, dtype=np.float32)[:, None] - shift
    top = np.floor(source)
    frac = source - top
    rows = np.clip(top.astype(np.int64), 0, h - 2)
    cols = np.arange(w)[None, :]
    out: np.ndarray = a[rows, cols] * (1.0 - frac) + a[rows + 1, cols] * frac
    out[(top < 0) | (top > h - 2)] = fill
    return out


def _photo_page(page: Image.Image, rng: np.random.Generator, v: Variant, dpi: float) -> Image.Image:
    import numpy as np
    from PIL import Image, ImageFilter

    scale = dpi / 200.0
    w, h = page.size
    a = np.asarray(page, dtype=np.float32)
    crease = _draw(rng, v.creases)
    if crease:  # a letter folded in three for its envelope
        y = np.arange(h, dtype=np.float32)[:, None]
        for third in (1.0 / 3.0, 2.0 / 3.0):
            at = h * (third + float(rng.uniform(-0.01, 0.01)))
            a *= 1.0 - crease * np.exp(-(((y - at) / (0.004 * h)) ** 2)) - 0.3 * crease * (y > at)
    # the sheet with room above and below, so that a curl bends its edges too
    amount = _draw(rng, v.curl)
    pad = int(np.ceil(2 * amount * h)) + 2
    a = np.pad(a, ((pad, pad), (0, 0)), constant_values=255.0)
    sheet = np.pad(np.full((h, w), 255.0, dtype=np.float32), ((pad, pad), (0, 0)))
    if amount:
        shift, shade = _curl(rng, w, h + 2 * pad, amount)
        a = _shift_rows(a, shift, 255.0) * shade
        sheet = _shift_rows(sheet, shift, 0.0)
    page = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    # the page on a desk, seen from a little off-centre: its corners move, the desk shows around it
    margin = max(_draw(rng, v.desk), v.perspective[1] + 0.01)
    width, height = round(w * (1 + 2 * margin)), round(h * (1 + 2 * margin))
    tilt = _draw(rng, v.perspective)
    angle = np.radians(_draw(rng, (-v.angle, v.angle)))
    cx, cy = width / 2, height / 2
    corners = []
    for px, py in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
        qx = px * np.cos(angle) - py * np.sin(angle) + w * tilt * float(rng.uniform(-1.0, 1.0))
        qy = px * np.sin(angle) + py * np.cos(angle) + h * tilt * float(rng.uniform(-1.0, 1.0))
        corners.append((float(cx + qx), float(cy + qy)))
    coeffs = _perspective([(0, pad), (w, pad), (w, pad + h), (0, pad + h)], corners)
    seen = page.transform((width, height), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)
    mask = Image.fromarray(sheet.astype(np.uint8)).transform(
        (width, height), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR
    )
    desk_grey = float(rng.uniform(60.0, 140.0))
    desk = desk_grey * (1.0 + 0.15 * _field(rng, width, height, 9))
    m = np.asarray(mask, dtype=np.float32) / 255.0
    a = np.asarray(seen, dtype=np.float32) * m + desk * (1.0 - m)
    # light: darker towards one side and the corners, and a shadow band (a hand, the phone)
    x = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :]
    y = np.linspace(-1.0, 1.0, height, dtype=np.float32)[:, None]
    direction = float(rng.uniform(0.0, 2.0 * np.pi))
    along = (x * np.cos(direction) + y * np.sin(direction) + 1.0) / 2.0
    a *= 1.0 - _draw(rng, v.light) * np.clip(along, 0.0, 1.0) - 0.1 * (x * x + y * y) / 2.0
    depth = _draw(rng, v.shadow)
    if depth:
        turn = float(rng.uniform(0.0, np.pi))
        across = (x * np.cos(turn) + y * np.sin(turn)) / 1.42  # -1..1 over the image
        centre, half, soft = (
            float(rng.uniform(-0.5, 0.5)),
            float(rng.uniform(0.08, 0.25)),
            float(rng.uniform(0.02, 0.08)),
        )
        band = _smoothstep(centre - half - soft, centre - half + soft, across) * (
            1.0 - _smoothstep(centre + half - soft, centre + half + soft, across)
        )
        a *= 1.0 - depth * band
    shot = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    shot = _noise(shot.filter(ImageFilter.GaussianBlur(_draw(rng, v.blur) * scale)), rng, _draw(rng, v.noise))
    if not v.tint:
        return shot
    warm = (1.0, float(rng.uniform(0.93, 0.99)), float(rng.uniform(0.82, 0.95)))
    grey = np.asarray(shot, dtype=np.float32)
    return Image.merge("RGB", [Image.fromarray(np.clip(grey * f, 0, 255).astype(np.uint8)) for f in warm])


def render_variant(v: Variant, pdf: Path, name: str, target: Path) -> Path:
    """Render `pdf` as variant `v` to `target` + the variant's suffix (a folder for photos)."""
    doc = _variant_rng(v.name, name, "doc")
    dpi = round(_draw(doc, v.dpi))
    out = target.parent / (target.name + v.suffix)
    sources = _pages(pdf, dpi)
    if v.kind == "photo":
        out.mkdir(parents=True, exist_ok=True)
        for k, page in enumerate(sources):
            rng = _variant_rng(v.name, name, k)
            quality = round(_draw(rng, v.jpeg))
            _photo_page(page, rng, v, dpi).save(out / f"page-{k + 1:02d}.jpg", "JPEG", quality=quality)
        return out
    if v.kind == "fax":
        month, day, hour, minute = (int(doc.integers(1, n)) for n in (13, 29, 24, 60))
        sender = "".join(str(int(d)) for d in doc.integers(0, 10, 10))
        stamp = (f"{month:02d}/{day:02d}/2017 {hour:02d}:{minute:02d}", f"({sender[:3]}) {sender[3:6]}-{sender[6:]}")
        faxed = [
            _fax_page(page, _variant_rng(v.name, name, k), v, k + 1, len(sources), stamp)
            for k, page in enumerate(sources)
        ]
        faxed[0].save(
            out, "TIFF", save_all=True, append_images=faxed[1:], compression=v.compression, dpi=(204, round(v.rows))
        )
        return out
    pages = []
    for k, page in enumerate(sources):
        rng = _variant_rng(v.name, name, k)
        quality = round(_draw(rng, v.jpeg))
        pages.append(_jpeg(_scan_page(page, rng, v, dpi), quality))
    # each page carries its own JPEG damage; the container's own JPEG (quality 95) adds next to nothing
    if v.container == "tiff":  # JPEG-in-TIFF, as scanners write grey pages
        pages[0].save(
            out, "TIFF", save_all=True, append_images=pages[1:], compression="jpeg", quality=95, dpi=(dpi, dpi)
        )
    else:
        pages[0].save(
            out,
            "PDF",
            save_all=True,
            append_images=pages[1:],
            resolution=float(dpi),
            quality=95,
            creationDate=PDF_DATE,
            modDate=PDF_DATE,
        )
    return out


Renderer = Callable[[Path, str, Path], Path]
RENDERERS: dict[str, Renderer] = {
    "scan": scan,
    "fax": fax,
    "photo": photo,
    **{name: partial(render_variant, v) for name, v in VARIANTS.items()},
}
SUFFIXES: dict[str, str] = {"scan": ".pdf", "fax": ".tif", "photo": ".photos"} | {
    name: v.suffix for name, v in VARIANTS.items()
}
IMAGE_KINDS: tuple[str, ...] = tuple(RENDERERS)  # every rendering a suite can ask for (all read by OCR)
assert set(DEVELOPMENT) | set(HELD_OUT) == set(RENDERERS) and not set(DEVELOPMENT) & set(HELD_OUT)


FAMILY_VERSION = 2  # bump when the drawing code of the variants changes: their cached renderings are then remade


def _fingerprint(v: Variant) -> str:
    """A variant's cache folder: changed ranges (or drawing code) never reuse an old rendering."""
    return hashlib.sha256(f"{FAMILY_VERSION}:{v!r}".encode()).hexdigest()[:10]


def rendering_kind(path: Path) -> str | None:
    """Which rendering `path` (a file or folder made by `rendering`) is, or None for any other file."""
    for folder in (path.parent, path.parent.parent):
        if folder.name in RENDERERS and folder.parent.name == CACHE.name:
            return folder.name
    return None


def rendering(kind: str, pdf: Path, name: str, cache: Path = CACHE) -> Path:
    """The `kind` rendering of a letter's PDF (made once, then reused): CACHE/KIND/NAME.EXT for the
    three fixed kinds, CACHE/KIND/FINGERPRINT/NAME.EXT for the variants."""
    if kind not in RENDERERS:
        raise ConfigError(f"unknown rendering {kind!r}; available: {', '.join(RENDERERS)}")
    folder = cache / kind / _fingerprint(VARIANTS[kind]) if kind in VARIANTS else cache / kind
    folder.mkdir(parents=True, exist_ok=True)
    made = folder / f"{name}{SUFFIXES[kind]}"
    if made.exists():
        return made
    # made in a private folder, then moved into place: a half-written rendering is never reused
    work = Path(tempfile.mkdtemp(prefix=f".{name}-{os.getpid()}-{threading.get_ident()}-", dir=folder))
    try:
        produced = RENDERERS[kind](pdf, name, work / name)
        try:
            os.replace(produced, made)
        except OSError:
            if not made.exists():  # not another process that made it first
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return made
