"""The package version (its own module: every layer may read it without importing the package API)."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("imr-llm")
except PackageNotFoundError:  # running from a source tree
    VERSION = "0.1.0"
