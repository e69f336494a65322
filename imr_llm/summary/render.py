"""Summary -> Markdown, plain text, a printable HTML page, or JSON.

The templates hold layout only; every word comes from the summary (built from the
record) or from its language. Strings from the letter are data, never markup: the
Markdown escapes them (a letter's "[click](javascript:...)" stays text), the HTML
page is autoescaped and built from the data, not from the Markdown.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import TYPE_CHECKING, Any

import jinja2

from imr_llm.summary.formats import Format
from imr_llm.summary.languages import Language, get_language

if TYPE_CHECKING:
    from imr_llm.summary.model import Summary


TEMPLATES = resources.files("imr_llm.summary") / "templates"
DWC_URL = "https://www.dir.ca.gov/dwc/"


# what could turn letter text into a link, an image, HTML, emphasis or a table cell
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_MD_ESCAPED = re.compile(r"\\([\\`*_\[\]<>|])")


def md_escape(text: str) -> str:
    """Letter text as literal Markdown: no links, images, emphasis or HTML can come from it."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_unescape(text: str) -> str:
    return _MD_ESCAPED.sub(r"\1", text)


def _loader() -> jinja2.BaseLoader:
    return jinja2.FunctionLoader(lambda name: (TEMPLATES / name).read_text(encoding="utf-8"))


def _tidy(text: str) -> str:
    out: list[str] = []
    for line in (line.rstrip() for line in text.splitlines()):
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


def render_text(summary: Summary, fmt: Format = Format.MD, problems: list[str] | None = None) -> str:
    """Markdown or plain text. With `problems`, a warning that the summary failed its checks comes first."""
    language = get_language(summary.lang)
    env = jinja2.Environment(
        loader=_loader(), undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
    )
    markdown = fmt is not Format.TXT
    env.filters["letter"] = md_escape if markdown else (lambda s: s)
    text = env.get_template("summary.md.j2").render(
        s=summary, lang=language, fmt="md" if markdown else "txt", banner=_banner(language, problems), dwc=DWC_URL
    )
    return _tidy(text)


def _banner(language: Language, problems: list[str] | None) -> str | None:
    if not problems:
        return None
    return language.failed_checks_banner.format(problems="; ".join(problems[:3]))


def render_html(summary: Summary, problems: list[str] | None = None) -> str:
    language = get_language(summary.lang)
    env = jinja2.Environment(loader=_loader(), undefined=jinja2.StrictUndefined, autoescape=True)
    return env.get_template("page.html.j2").render(
        s=summary, lang=language, banner=_banner(language, problems), dwc=DWC_URL
    )


def render(summary: Summary, fmt: Format, checks: dict[str, Any] | None = None) -> str:
    problems = list((checks or {}).get("problems") or [])
    if fmt is Format.HTML:
        return render_html(summary, problems)
    if fmt is Format.JSON:
        return json.dumps({"summary": summary.model_dump(mode="json"), "checks": checks}, ensure_ascii=False) + "\n"
    return render_text(summary, fmt, problems)
