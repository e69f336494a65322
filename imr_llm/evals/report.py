"""Eval reports: a terminal table, Markdown for a pull request, and a self-contained HTML page
with per-letter drill-down (letter text with parser and LLM evidence highlighted side by side)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from rich.console import Console
from rich.table import Table

from imr_llm.errors import ImrError
from imr_llm.evals.compare import Comparison
from imr_llm.evals.metrics import LetterResult, field_results
from imr_llm.evals.runner import RunFile
from imr_llm.loaders import load_file

HEADLINE = (
    "key_field_accuracy",
    "decision_accuracy",
    "item_f1",
    "diagnoses_f1",
    "guidelines_f1",
    "grounding_rate",
    "agreement_rate",
    "summary_pass_rate",
    "summary_grade_median",
    "errors",
    "calls",
    "prompt_tokens",
    "completion_tokens",
    "latency_s",
    "estimated_cost_usd",
)
NOT_HIGHLIGHTED = ("clinical_summary", "rationale")


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)


def print_run(run: RunFile, console: Console) -> None:
    table = Table(title=f"{run.suite.name}: {run.backend}" + (f" / {run.model} / {run.prompt}" if run.model else ""))
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("threshold")
    limits = {t.metric: t for t in run.thresholds}
    for metric in HEADLINE:
        if metric in run.metrics:
            t = limits.get(metric)
            mark = "" if t is None else f"{t.op} {t.limit} " + ("[green]pass[/]" if t.passed else "[red]MISS[/]")
            table.add_row(metric, fmt(run.metrics[metric]), mark)
    for t in run.thresholds:
        if t.metric not in HEADLINE:
            table.add_row(
                t.metric, fmt(t.value), f"{t.op} {t.limit} " + ("[green]pass[/]" if t.passed else "[red]MISS[/]")
            )
    console.print(table)
    weak = {k: v for k, v in run.metrics.items() if k.startswith("field.") and v < 1.0}
    if weak:
        console.print(
            "fields below 1.0: " + ", ".join(f"{k[6:]} {fmt(v)}" for k, v in sorted(weak.items(), key=lambda kv: kv[1]))
        )
    console.print("[green]all thresholds pass[/]" if run.passed else "[red]threshold missed[/]")


def print_comparison(comparison: Comparison, console: Console, limit: int = 20) -> None:
    table = Table(title=f"compare (tolerance {comparison.tolerance})")
    for col in ("metric", "base", "new", "delta", "status"):
        table.add_column(col, justify="right" if col in ("base", "new", "delta") else "left")
    for m in comparison.metrics:
        if m.status != "same":
            style = {"regressed": "red", "improved": "green"}.get(m.status, "")
            table.add_row(
                m.metric, fmt(m.base), fmt(m.new), fmt(m.delta), f"[{style}]{m.status}[/]" if style else m.status
            )
    console.print(table)
    for change in comparison.fields[:limit]:
        color = "red" if change.change == "regressed" else "green"
        console.print(
            f"[{color}]{change.change}[/] {change.letter} {change.path}: gold {change.gold!r}, "
            f"before {change.before!r}, after {change.after!r}"
        )
    if len(comparison.fields) > limit:
        console.print(f"... and {len(comparison.fields) - limit} more field changes (see the HTML or Markdown report)")
    console.print("[red]REGRESSED[/]" if comparison.regressed else "[green]no regression beyond tolerance[/]")


def markdown_report(run: RunFile | None, comparison: Comparison | None = None) -> str:
    lines: list[str] = []
    if comparison is not None:
        b, n = comparison.base, comparison.new
        lines += [
            f"## Eval comparison: {n['suite']}",
            "",
            f"base: {b['backend']} {b.get('model') or ''} {b.get('prompt') or ''} ({b['created']})  ",
            f"new: {n['backend']} {n.get('model') or ''} {n.get('prompt') or ''} ({n['created']})",
            "",
            "**REGRESSED**" if comparison.regressed else f"No regression beyond tolerance ({comparison.tolerance}).",
            "",
            "| metric | base | new | delta | status |",
            "|---|---:|---:|---:|---|",
        ]
        lines += [
            f"| {m.metric} | {fmt(m.base)} | {fmt(m.new)} | {fmt(m.delta)} | {m.status} |"
            for m in comparison.metrics
            if m.status != "same"
        ]
        if comparison.fields:
            lines += ["", "| letter | field | gold | before | after | change |", "|---|---|---|---|---|---|"]
            lines += [
                f"| {c.letter} | {c.path} | {_cell(c.gold)} | {_cell(c.before)} | {_cell(c.after)} | {c.change} |"
                for c in comparison.fields[:100]
            ]
        lines.append("")
    if run is not None:
        lines += [
            f"## Eval: {run.suite.name} ({run.backend}{', ' + str(run.model) if run.model else ''}"
            f"{', ' + str(run.prompt) if run.prompt else ''})",
            "",
            "All thresholds pass." if run.passed else "**Threshold missed.**",
            "",
            "| metric | value | threshold |",
            "|---|---:|---|",
        ]
        limits = {t.metric: t for t in run.thresholds}
        for metric in [m for m in HEADLINE if m in run.metrics] + [
            t.metric for t in run.thresholds if t.metric not in HEADLINE
        ]:
            t = limits.get(metric)
            mark = "" if t is None else f"{t.op} {t.limit} {'pass' if t.passed else '**MISS**'}"
            lines.append(f"| {metric} | {fmt(run.metrics.get(metric))} | {mark} |")
        fields = {k: v for k, v in run.metrics.items() if k.startswith("field.")}
        if fields:
            lines += ["", "| field | accuracy |", "|---|---:|"] + [f"| {k[6:]} | {fmt(v)} |" for k, v in fields.items()]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 80 else text[:77] + "..."


def _highlight(text: str, evidence: dict[str, dict[str, Any]], css: str) -> str:
    spans = sorted(
        (int(s["start"]), int(s["end"]), s.get("alignment", "exact"), path)
        for path, s in evidence.items()
        if not path.endswith(NOT_HIGHLIGHTED) and int(s["end"]) > int(s["start"])
    )
    out: list[str] = []
    pos = 0
    for start, end, alignment, path in spans:
        if start < pos or end > len(text):
            continue  # overlapping or out of range: the table above has the value anyway
        cls = "fuzzy" if css == "llm" and alignment == "fuzzy" else css
        out.append(html.escape(text[pos:start]))
        out.append(f'<mark class="{cls}" title="{html.escape(path)}">{html.escape(text[start:end])}</mark>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _letter_view(letter: LetterResult, results: list[Any], with_text: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "name": letter.name,
        "input": letter.input,
        "error": letter.error,
        "results": results,
        "correct": sum(r.correct for r in results),
        "total": len(results),
        "text_parser": None,
        "text_llm": None,
    }
    if with_text and Path(letter.input).is_file():
        try:
            text = load_file(Path(letter.input)).text
        except ImrError:
            return view
        if letter.parser:
            view["text_parser"] = Markup(_highlight(text, letter.parser.get("evidence") or {}, "parser"))
        llm_record = letter.record if letter.merged is not None else None
        if llm_record:
            view["text_llm"] = Markup(_highlight(text, llm_record.get("evidence") or {}, "llm"))
    return view


def html_report(run: RunFile | None, comparison: Comparison | None = None, with_text: bool = True) -> str:
    env = jinja2.Environment(loader=jinja2.PackageLoader("imr_llm.evals", "templates"), autoescape=True)
    letters: list[dict[str, Any]] = []
    if run is not None:
        _, results = field_results(run.letters)
        by_letter: dict[str, list[Any]] = {}
        for r in results:
            by_letter.setdefault(r.letter, []).append(r)
        letters = [_letter_view(x, by_letter.get(f"{x.name} ({x.input})", []), with_text) for x in run.letters]
    runs = []
    if comparison is not None:
        runs = [{"label": "base", **comparison.base}, {"label": "new", **comparison.new}]
    elif run is not None:
        runs = [
            {
                "label": "run",
                "suite": run.suite.name,
                "backend": run.backend,
                "model": run.model,
                "prompt": run.prompt,
                "prompt_hash": run.prompt_hash or "",
                "created": run.created,
                "git_commit": run.git_commit,
            }
        ]
    title = comparison.new["suite"] if comparison else run.suite.name if run else ""
    return env.get_template("report.html.j2").render(
        title=title, runs=runs, comparison=comparison, main=run, letters=letters, fmt=fmt
    )
