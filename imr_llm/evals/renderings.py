"""Image renderings of gold letters, made by our own deterministic code, to measure reading by OCR.

- scan:  200 dpi grey, skewed up to 2 degrees, blurred, with noise, JPEG-compressed, saved as an
         image-only PDF (what a library copier produces);
- fax:   1-bit, 204 x 98 dpi ("normal" fax resolution), a multi-page TIFF with CCITT G4 compression;
- photo: one JPEG per page as a phone takes it: no resolution, a perspective tilt, uneven light;
         read as one letter (`load_pages`).

Every random choice comes from a generator seeded by the letter's name and page, so a rendering is the
same on every run and machine. Renderings are cached beside the run (out/evals/renderings/).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from imr_llm.loaders import PDFIUM_LOCK

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

IMAGE_KINDS = ("scan", "fax", "photo")
CACHE = Path("out") / "evals" / "renderings"


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
    pages[0].save(target, "PDF", save_all=True, append_images=pages[1:], resolution=200.0)
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


RENDERERS: dict[str, Callable[[Path, str, Path], Path]] = {"scan": scan, "fax": fax, "photo": photo}


def rendering(kind: str, pdf: Path, name: str, cache: Path = CACHE) -> Path:
    """The `kind` rendering of a letter's PDF (made once, then reused)."""
    folder = cache / kind
    folder.mkdir(parents=True, exist_ok=True)
    made = {"scan": folder / f"{name}.pdf", "fax": folder / f"{name}.tif", "photo": folder / f"{name}.photos"}[kind]
    if made.exists():
        return made
    return RENDERERS[kind](pdf, name, folder / name)
