"""Child processes that do not outlive us."""

from __future__ import annotations

import signal
import sys


def die_with_parent() -> None:
    """Linux: this process is killed when its parent dies, however it dies (SIGKILL and
    os._exit included, where no clean-up code runs). Elsewhere a no-op."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
