"""Summary -> Markdown, plain text, a printable HTML page, or JSON."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import jinja2
import markdown
from markupsafe import Markup

from imr_llm.summary.model import Summary

TEMPLATES = Path(__file__).parent / "templates"

_MONTHS_ES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
_WORDS = {
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"],
    "es": ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once", "doce"],
}


class Format(StrEnum):
    MD = "md"
    TXT = "txt"
    HTML = "html"
    JSON = "json"


def _environment(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown/text; the HTML page escapes through markdown + its own template
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )

    def longdate(value: dt.date) -> str:
        if lang == "es":
            return f"{value.day} de {_MONTHS_ES[value.month - 1]} de {value.year}"
        return value.strftime("%B ") + str(value.day) + value.strftime(", %Y")

    def words(n: int) -> str:
        table = _WORDS[lang]
        return table[n] if 0 <= n < len(table) else str(n)

    env.filters.update(longdate=longdate, words=words)
    return env


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    return "\n".join(out).strip() + "\n"


def render_text(summary: Summary, fmt: Format = Format.MD) -> str:
    """Markdown or plain text from the language's template."""
    env = _environment(summary.lang)
    template = env.get_template(f"summary.{summary.lang}.j2")
    n = len(summary.items)
    approved = sum(item.decision == "overturned" for item in summary.items)
    text = template.render(
        s=summary, fmt="md" if fmt is not Format.TXT else "txt", n=n, approved=approved, denied=n - approved
    )
    return _tidy(text)


def render_html(summary: Summary) -> str:
    body = markdown.markdown(_escape_html(render_text(summary, Format.MD)), extensions=["sane_lists"])
    title = "IMR decision" if summary.lang == "en" else "Decisión de IMR"
    if summary.case_number:
        title += f" - {summary.case_number}"
    footer = (
        "Made by imr-llm from the IMR Final Determination letter. Not legal advice."
        if summary.lang == "en"
        else "Hecho por imr-llm a partir de la carta de Determinación Final de IMR. No es consejo legal."
    )
    page = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return page.get_template("page.html.j2").render(lang=summary.lang, title=title, body=Markup(body), footer=footer)


def _escape_html(text: str) -> str:
    # letter text could contain markup; Markdown passes raw HTML through, so escape it first
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("&gt; ", "> ")


def render(summary: Summary, fmt: Format, checks: dict[str, Any] | None = None) -> str:
    if fmt is Format.HTML:
        return render_html(summary)
    if fmt is Format.JSON:
        return json.dumps({"summary": summary.model_dump(mode="json"), "checks": checks}, ensure_ascii=False) + "\n"
    return render_text(summary, fmt)
