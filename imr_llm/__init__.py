"""imr-llm: typed records and plain-language summaries of California IMR letters."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("imr-llm")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0"
