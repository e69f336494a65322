"""Page images made fit for OCR, with OpenCV: even light, the page flattened, lines level, rules gone.

Why OpenCV (opencv-python-headless): each step is one or two calls of a maintained, fast library
(a blur and a divide, a contour and a perspective warp, an affine rotation, a morphological
opening), where the hand-written numpy/Pillow version took 1.5 s a page.

- uneven light (phone photos, grey table cells, a copier's dark background) is divided out by the
  page's blurred background;
- a phone photo of a page on a darker table is cut to the page and its perspective undone, when a
  clear four-cornered page outline is found (never on a scan, whose outline is the image itself);
- the skew is the angle whose rows of ink are most sharply separated (projection profile on a small
  copy, searched over +-4 degrees);
- table rules and borders (the 2016-17 header is a table; Tesseract drops whole lines next to them)
  are long thin runs of ink, found by an opening with a long line and painted white. Each page's
  rules are also returned, so a reader can use the table's cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MAX_SKEW = 4.0


@dataclass
class CleanPage:
    pixels: NDArray[np.uint8]  # greyscale, ink dark on white
    angle: float  # degrees the page was turned to level its lines
    flattened: bool  # a photo's page outline was found and its perspective undone


def clean(pixels: NDArray[np.uint8], dpi: int = 300, outline: bool = True) -> CleanPage:
    """The page made fit for OCR; with `outline` False, a photographed page's edge is looked for only after the
    light is evened (the reading OCR compares a flattened page with: `ocr._read_page`)."""
    import cv2
    import numpy as np

    even = _even_light(pixels)
    flat, flattened = _unwarp(even, pixels if outline else None)
    angle = _skew_angle(flat)
    if abs(angle) >= 0.2:
        flat = _rotate(flat, angle)
    out = flat.copy()
    out[_rules(flat)] = 255
    out[_border_ink(out)] = 255
    if _speckled(out):
        out = np.asarray(cv2.medianBlur(out, 3), dtype=np.uint8)
    return CleanPage(pixels=despeck(out, dpi), angle=angle, flattened=flattened)


def binarized(pixels: NDArray[np.uint8], dpi: int) -> NDArray[np.uint8]:
    """Black on white by a local threshold (each pixel against its neighbourhood): for a page whose
    background is not even (a dark copy, a shadow) and that Tesseract's global threshold reads badly."""
    import cv2
    import numpy as np

    block = max(15, int(dpi / 300 * 51)) | 1
    black = cv2.adaptiveThreshold(pixels, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 15)
    return despeck(np.asarray(black, dtype=np.uint8), dpi)


def despeck(pixels: NDArray[np.uint8], dpi: int = 300) -> NDArray[np.uint8]:
    """Dots of ink smaller than a letter and away from any word (dust, toner, a fax line's noise) painted
    white. A period or an i's dot sits next to its word and stays; only the tiniest dots go anywhere."""
    import cv2
    import numpy as np

    scale = max(0.5, dpi / 300)
    ink = np.asarray(pixels < 128, dtype=np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count <= 1:
        return pixels
    area = stats[:, cv2.CC_STAT_AREA]
    small = area < 30 * scale * scale
    small[0] = False
    tiny = area <= max(2, round(3 * scale * scale))
    words = np.asarray((~small[labels]) & (labels > 0), dtype=np.uint8)
    reach = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * round(14 * scale) + 1, 2 * round(4 * scale) + 1))
    near = cv2.dilate(words, reach) > 0
    near_count = np.bincount(labels[near], minlength=count)
    isolated = small & ((near_count == 0) | tiny)
    out = pixels.copy()
    out[isolated[labels]] = 255
    return out


def _border_ink(pixels: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """Dark shapes that touch the page's edge and run along it (a copier's dark edge, a scanner lid, the
    table under a photo): never text, and read as "|" or as a column of its own."""
    import cv2
    import numpy as np

    height, width = pixels.shape
    ink = np.asarray(pixels < 128, dtype=np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count <= 1:
        return np.zeros_like(ink, dtype=bool)
    x, y, w, h = (stats[:, k] for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT))
    touches = (x == 0) | (y == 0) | (x + w >= width) | (y + h >= height)
    along = (h > height // 4) | (w > width // 4)
    border = touches & along
    border[0] = False
    return np.asarray(border[labels])


def _even_light(pixels: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Divide by the background: a closing removes the text strokes, a blur smooths what is left."""
    import cv2
    import numpy as np

    size = max(15, (min(pixels.shape) // 60) | 1)
    background = cv2.morphologyEx(pixels, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    background = cv2.GaussianBlur(background, (0, 0), size / 2)
    return np.asarray(cv2.divide(pixels, np.maximum(background, 1), scale=255), dtype=np.uint8)


def _unwarp(pixels: NDArray[np.uint8], outline: NDArray[np.uint8] | None = None) -> tuple[NDArray[np.uint8], bool]:
    """A photo's page: the largest bright four-cornered outline, when it covers most of the image but not
    all of it (a scan's page is the whole image), warped to a rectangle. The outline is looked for in the
    page as photographed (`outline`), then in `pixels`: evening the light also whitens the desk around
    the page, and its edge was lost (no curled photo of the dev letters was ever flattened)."""
    import cv2
    import numpy as np

    quad = None
    for source in (outline, pixels) if outline is not None else (pixels,):
        quad = _page_corners(source)
        if quad is not None:
            break
    if quad is None:
        return pixels, False
    top = np.linalg.norm(quad[1] - quad[0])
    left = np.linalg.norm(quad[3] - quad[0])
    w, h = round(max(top, np.linalg.norm(quad[2] - quad[3]))), round(max(left, np.linalg.norm(quad[2] - quad[1])))
    target = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad, target)
    warped = cv2.warpPerspective(pixels, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)
    return np.asarray(warped, dtype=np.uint8), True


def _page_corners(pixels: NDArray[np.uint8]) -> NDArray[np.float32] | None:
    """The page's four corners (top-left, top-right, bottom-right, bottom-left, in `pixels`' coordinates):
    the largest bright region's outline, simplified until it has four corners (a curled page's edge bends,
    so a tighter outline has five or six), when it covers more than half the image and not all of it."""
    import cv2
    import numpy as np

    height, width = pixels.shape
    scale = 800 / max(height, width)
    small = cv2.resize(pixels, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    blurred = cv2.GaussianBlur(small, (5, 5), 0)
    _, bright = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    page = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(page) / (small.shape[0] * small.shape[1])
    if not 0.5 < area < 0.97 or not _sharp_edge(blurred, page):
        return None
    hull = cv2.convexHull(page)
    for tolerance in (0.02, 0.03, 0.04, 0.05):
        corners = cv2.approxPolyDP(hull, tolerance * cv2.arcLength(hull, True), True)
        if len(corners) == 4:
            points = corners.reshape(4, 2)
            if _on_the_frame(points, small.shape) >= 2:
                # the "page" runs into the image's edges: a copier's dark band along one side of a scan, whose
                # slanted inner edge is no page corner (warping to it stretched the whole page); a photographed
                # page lies inside the frame, the desk around it
                return None
            return _order(points.astype(np.float32) / scale)
    return None


def _on_the_frame(points: NDArray[Any], shape: tuple[int, ...]) -> int:
    """How many of `points` lie on the image's border (within 1.5% of its size)."""
    height, width = shape[:2]
    margin_x, margin_y = 0.015 * width, 0.015 * height
    return sum(
        1
        for x, y in points
        if x <= margin_x or y <= margin_y or x >= width - 1 - margin_x or y >= height - 1 - margin_y
    )


MIN_EDGE = 40.0  # the median brightness step across a page's outline (Sobel, on the blurred 800-pixel copy)


def _sharp_edge(small: NDArray[Any], outline: NDArray[Any]) -> bool:
    """The outline is a real edge (a page against a darker desk: a step of 125-280 on the dev photos), not
    where Otsu's threshold cut a page's smooth fall of light in two (a step of 0-4): warping to that
    quadrilateral tilted every line of a photo taken square."""
    import cv2
    import numpy as np

    points = outline.reshape(-1, 2)
    height, width = small.shape
    inside = points[(points[:, 0] > 2) & (points[:, 1] > 2) & (points[:, 0] < width - 3) & (points[:, 1] < height - 3)]
    if len(inside) == 0:
        return False
    grey = small.astype(np.float32)
    step = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3))
    return float(np.median(step[inside[:, 1], inside[:, 0]])) >= MIN_EDGE


def _order(points: NDArray[np.float32]) -> NDArray[np.float32]:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    import numpy as np

    total = points.sum(axis=1)
    diff = np.diff(points, axis=1).ravel()
    return np.array(
        [points[np.argmin(total)], points[np.argmin(diff)], points[np.argmax(total)], points[np.argmax(diff)]],
        dtype=np.float32,
    )


def _rotate(pixels: NDArray[np.uint8], angle: float) -> NDArray[np.uint8]:
    """Turn the page `angle` degrees counter-clockwise, growing the canvas so no corner is cut."""
    import cv2
    import numpy as np

    height, width = pixels.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_w / 2 - width / 2
    matrix[1, 2] += new_h / 2 - height / 2
    turned = cv2.warpAffine(pixels, matrix, (new_w, new_h), flags=cv2.INTER_CUBIC, borderValue=255)
    return np.asarray(turned, dtype=np.uint8)


def _skew_angle(pixels: NDArray[np.uint8]) -> float:
    """The rotation (degrees) that makes text lines level: the one whose row profile of ink has the
    largest variance, on a quarter-size copy, first in 0.5 degree steps, then in 0.1."""
    import cv2
    import numpy as np

    small = cv2.resize(pixels, (pixels.shape[1] // 4, pixels.shape[0] // 4), interpolation=cv2.INTER_AREA)
    ink = np.asarray(small < 140, dtype=np.uint8) * 255
    h, w = ink.shape
    centre = (w / 2, h / 2)

    def score(angle: float) -> float:
        turned = cv2.warpAffine(ink, cv2.getRotationMatrix2D(centre, angle, 1.0), (w, h), flags=cv2.INTER_NEAREST)
        return float(np.var(turned.sum(axis=1, dtype=np.float64)))

    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.5), key=lambda a: score(float(a)))
    fine = max(np.arange(coarse - 0.5, coarse + 0.51, 0.1), key=lambda a: score(float(a)))
    return round(float(fine), 2)


def _rules(pixels: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """Pixels of long straight dark runs (table rules, borders), horizontal and vertical, one pixel grown."""
    import cv2
    import numpy as np

    height, width = pixels.shape
    # ink by Otsu's threshold (a blurred or copied rule is grey, not black), never lighter than 200
    level, _ = cv2.threshold(pixels, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = np.asarray(pixels < min(200, max(128, level)), dtype=np.uint8)
    across = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(60, width // 12), 1)))
    down = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(40, height // 25))))
    grown = cv2.dilate(np.maximum(across, down), np.ones((3, 3), np.uint8))
    return np.asarray(grown > 0)


def _speckled(pixels: NDArray[np.uint8]) -> bool:
    """Salt-and-pepper noise (a fax line, a dusty copier): many isolated dark pixels."""
    import cv2
    import numpy as np

    sample = pixels[:: max(1, pixels.shape[0] // 600), :: max(1, pixels.shape[1] // 600)]
    dark = np.asarray(sample < 128, dtype=np.uint8)
    if not dark.any():
        return False
    neighbours = cv2.filter2D(dark, -1, np.ones((3, 3), np.float32)) - dark
    isolated = np.logical_and(dark == 1, neighbours == 0).sum()
    return bool(isolated > 0.15 * dark.sum())
