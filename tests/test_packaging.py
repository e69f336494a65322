"""The wheel carries the whole package: every subpackage is listed, every prompt file is package data.

(CI also builds the wheel and uses it from a fresh venv: .ci/wheel-smoke.)"""

from __future__ import annotations

import fnmatch
import tomllib

from tests.conftest import REPO


def setuptools_config() -> dict[str, object]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    config: dict[str, object] = data["tool"]["setuptools"]
    return config


def test_every_subpackage_is_listed() -> None:
    found = {
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "imr_llm").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    listed = set(setuptools_config()["packages"])  # type: ignore[arg-type]
    assert found - listed == set(), "subpackages missing from [tool.setuptools] packages"
    assert "imr_llm.prompts" in listed


def test_every_prompt_file_is_package_data() -> None:
    patterns = setuptools_config()["package-data"]["imr_llm.prompts"]  # type: ignore[index]
    prompts = REPO / "prompts"
    files = [p.relative_to(prompts).as_posix() for p in prompts.rglob("*") if p.is_file()]
    files = [f for f in files if "__pycache__" not in f and f != "__init__.py"]
    assert files
    missing = [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert missing == []


def test_templates_are_package_data() -> None:
    data = setuptools_config()["package-data"]
    for package in ("imr_llm.summary", "imr_llm.evals"):
        folder = REPO / package.replace(".", "/") / "templates"
        assert list(folder.glob("*.j2")) and "templates/*.j2" in data[package]  # type: ignore[index]


def test_the_readme_library_example_runs() -> None:
    import re
    import subprocess
    import sys

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Library API") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    result = subprocess.run(
        [sys.executable, "-c", code.group(1)], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    assert "CM16-0900101" in result.stdout
    assert f"{len(list((REPO / 'samples').glob('*.txt')))} records" in result.stdout
