"""One registry type for every extension point: letter layouts, backends, scorers, summary languages.

A registry is a dict of name -> object with a clear error for an unknown name, filled the same way by
the package itself and by a plugin package: the built-ins register on import, and a plugin registers
through an entry point in its own pyproject.toml, loaded the first time the registry is read (the
shape of simonw/llm's and inspect_ai's plugin loading):

    [project.entry-points."imr_llm.layouts"]    # or imr_llm.backends, imr_llm.scorers, imr_llm.languages
    my_layout = "my_package.layouts:register"    # a function called once, which registers its objects

A plugin that fails to load is reported on stderr and skipped: it never takes the tool down.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TypeVar

from imr_llm.errors import ConfigError

T = TypeVar("T")

GROUPS = ("imr_llm.layouts", "imr_llm.backends", "imr_llm.scorers", "imr_llm.languages")


class Registry(dict[str, T]):
    """Name -> object; `get` fails loudly with the known names; plugins of `group` load on first read."""

    def __init__(self, group: str, what: str) -> None:
        super().__init__()
        self.group = group
        self.what = what  # "letter layout", "backend", ... for messages
        self._plugins_loaded = False

    def register(self, name: str, obj: T) -> T:
        super().__setitem__(name, obj)
        return obj

    def get_or_fail(self, name: str) -> T:
        self.load_plugins()
        try:
            return super().__getitem__(name)
        except (KeyError, TypeError):  # TypeError: a list or dict given as the name
            raise ConfigError(f"unknown {self.what} {name!r}; available: {', '.join(self)}") from None

    def load_plugins(self) -> None:
        """Call each entry point of this registry's group once (a plugin's register function)."""
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        from importlib.metadata import entry_points

        for point in entry_points(group=self.group):
            try:
                point.load()()
            except Exception as e:  # a broken plugin is reported, never fatal
                print(f"imr-llm: plugin {point.name} ({self.group}) not loaded: {e}", file=sys.stderr)

    def __iter__(self) -> Iterator[str]:
        self.load_plugins()
        return super().__iter__()

    def names(self) -> list[str]:
        return list(self)
