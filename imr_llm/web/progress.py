"""Page-by-page progress of OCR, reported to the thread that asked for it.

Why this exists: a fax or a set of phone photos takes seconds a page, and the page must show how far
it got. The loaders read every page inside one call (`load_bytes`, `load_pages`) and have no progress
callback, and this package does not change them; so the per-page step of the OCR module
(`imr_llm.loaders.ocr._read_page`, looked up by name at each call) is wrapped once with a pass-through
that tells the current thread's listener when a page starts and ends. Threads with no listener (the
CLI, batch runs) see no difference. Should that step ever be renamed, `install` returns False and the
page shows the stage without page numbers; `tests/test_web_jobs.py` fails loudly so it gets noticed.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

PageListener = Callable[[str, int], None]  # ("start" | "done", page index from 0)

_local = threading.local()
_installed: bool | None = None
_lock = threading.Lock()


def install() -> bool:
    """Wrap the OCR's per-page step once; True when per-page progress is available."""
    global _installed
    with _lock:
        if _installed is not None:
            return _installed
        from imr_llm.loaders import ocr

        step = getattr(ocr, "_read_page", None)
        if not callable(step):
            _installed = False
            return False

        @functools.wraps(step)
        def read_page(page: Any, index: int, *args: Any, **kwargs: Any) -> Any:
            listener: PageListener | None = getattr(_local, "listener", None)
            if listener is not None:
                listener("start", index)
            result = step(page, index, *args, **kwargs)
            if listener is not None:
                listener("done", index)
            return result

        setattr(ocr, "_read_page", read_page)  # noqa: B010 (a module attribute, replaced on purpose)
        _installed = True
        return True


@contextmanager
def listening(listener: PageListener) -> Iterator[None]:
    """Report this thread's OCR pages to `listener` for the `with` block."""
    previous = getattr(_local, "listener", None)
    _local.listener = listener
    try:
        yield
    finally:
        _local.listener = previous
