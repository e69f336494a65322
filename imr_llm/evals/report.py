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
from imr_llm.evals.matrix import QUALITY, MatrixRow
from imr_llm.evals.metrics import LetterResult, field_results
from imr_llm.evals.runner import RunFile
from imr_llm.evals.scoring import FieldResult
from imr_llm.fields import norm_text
from imr_llm.loaders import load_file
from imr_llm.outputs import md_escape

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
    "reason_topic_accuracy",
    "reason_chosen_hit_rate",
    "needs_review_rate",
    "flag_precision",
    "wrong_unflagged",
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


def interval(run: RunFile, metric: str) -> str:
    """ "[low, high]" of a metric's 95% bootstrap interval, or "" when the run has none."""
    bounds = run.intervals.get(metric)
    return f"[{fmt(bounds[0])}, {fmt(bounds[1])}]" if bounds else ""


def _n(run: RunFile) -> str:
    return f"n = {run.bootstrap.letters} letters" if run.bootstrap else f"n = {len(run.letters)} inputs"


def shown(run: RunFile, metric: str) -> str:
    """A metric's value as printed: a cost no price table knows says so rather than "$0"."""
    if metric == "estimated_cost_usd" and run.metrics.get("price_known") == 0.0:
        return "no price known"
    return fmt(run.metrics.get(metric))


def letters_missing_thresholds(run: RunFile, top: int = 10) -> dict[str, list[tuple[str, float]]]:
    """For each threshold, the inputs whose own value misses it, worst first (at most `top`)."""
    out: dict[str, list[tuple[str, float]]] = {}
    for t in run.thresholds:
        missed = [
            (label, own[t.metric])
            for label, own in run.letter_metrics.items()
            if t.metric in own and (own[t.metric] < t.limit if t.op == ">=" else own[t.metric] > t.limit)
        ]
        if missed:
            missed.sort(key=lambda lv: lv[1], reverse=t.op == "<=")
            out[t.metric] = missed[:top]
    return out


def print_run(run: RunFile, console: Console) -> None:
    title = f"{run.suite.name}: {run.backend}" + (f" / {run.model} / {run.prompt}" if run.model else "")
    table = Table(title=f"{title} ({_n(run)})")
    table.add_column("metric", overflow="fold")
    table.add_column("value", justify="right")
    table.add_column("95% interval", justify="right")
    table.add_column("threshold")
    limits = {t.metric: t for t in run.thresholds}
    for metric in HEADLINE:
        if metric in run.metrics:
            t = limits.get(metric)
            mark = "" if t is None else f"{t.op} {t.limit} " + ("[green]pass[/]" if t.passed else "[red]MISS[/]")
            table.add_row(metric, shown(run, metric), interval(run, metric), mark)
    for t in run.thresholds:
        if t.metric not in HEADLINE:
            table.add_row(
                t.metric,
                fmt(t.value),
                interval(run, t.metric),
                f"{t.op} {t.limit} " + ("[green]pass[/]" if t.passed else "[red]MISS[/]"),
            )
    console.print(table)
    weak = {k: v for k, v in run.metrics.items() if k.startswith("field.") and v < 1.0}
    if weak:
        console.print(
            "fields below 1.0: " + ", ".join(f"{k[6:]} {fmt(v)}" for k, v in sorted(weak.items(), key=lambda kv: kv[1]))
        )
    for metric, letters in letters_missing_thresholds(run).items():
        console.print(f"letters missing {metric}: " + ", ".join(f"{label} {fmt(v)}" for label, v in letters))
    console.print("[green]all thresholds pass[/]" if run.passed else "[red]threshold missed[/]")


def _some(names: list[str], limit: int = 8) -> str:
    return ", ".join(names[:limit]) + (f", and {len(names) - limit} more" if len(names) > limit else "")


def print_comparison(comparison: Comparison, console: Console, limit: int = 20) -> None:
    if comparison.sets_differ:
        console.print(
            f"[yellow]the runs have different letters[/]: {comparison.shared_letters} shared, "
            f"{len(comparison.only_base)} only in base, {len(comparison.only_new)} only in new "
            "(metrics below are on the shared letters)",
            markup=True,
        )
        for side, names in (("only in base", comparison.only_base), ("only in new", comparison.only_new)):
            if names:
                console.print(f"  {side}: {_some(names)}", markup=False)
    if comparison.gold_changed:
        console.print(
            f"[yellow]the gold differs between the runs[/] on {len(comparison.gold_changed)} letter(s): "
            "a change there comes from the answer key, not from the extraction",
            markup=True,
        )
        console.print(f"  {_some(comparison.gold_changed)}", markup=False)
    table = Table(
        title=f"compare on {comparison.shared_letters} shared inputs (tolerance {comparison.tolerance}, "
        f"paired 95% interval of new - base, {comparison.resamples} resamples)"
    )
    for col in ("metric", "base", "new", "delta", "95% interval", "status"):
        table.add_column(
            col,
            justify="right" if col in ("base", "new", "delta", "95% interval") else "left",
            overflow="fold" if col == "metric" else "ellipsis",  # a long name wraps: two rows never read the same
        )
    for m in comparison.metrics:  # every metric, an unchanged one marked "same" (an empty table looks broken)
        style = {"regressed": "red", "improved": "green", "same": "dim"}.get(m.status, "")
        bounds = f"[{fmt(m.low)}, {fmt(m.high)}]" if m.low is not None else ""
        status = f"[{style}]{m.status}[/]" if style else m.status
        table.add_row(m.metric, fmt(m.base), fmt(m.new), fmt(m.delta), bounds, status)
    console.print(table)
    for change in comparison.always_listed:  # one flipped decision matters: always shown
        color = "red" if change.change == "regressed" else "green" if change.change == "improved" else "yellow"
        console.print(
            f"[{color}]{change.kind} {change.change}[/] {change.letter} {change.path}: gold {change.gold!r}, "
            f"before {change.before!r}, after {change.after!r}"
        )
    other = [c for c in comparison.fields if c.kind == "field"]
    for change in other[:limit]:
        color = "red" if change.change == "regressed" else "green"
        console.print(
            f"[{color}]{change.change}[/] {change.letter} {change.path}: gold {change.gold!r}, "
            f"before {change.before!r}, after {change.after!r}"
        )
    if len(other) > limit:
        console.print(f"... and {len(other) - limit} more field changes (see the HTML or Markdown report)")
    console.print("[red]REGRESSED[/]" if comparison.regressed else "[green]no regression beyond tolerance[/]")


def markdown_report(run: RunFile | None, comparison: Comparison | None = None) -> str:
    lines: list[str] = []
    if comparison is not None:
        b, n = comparison.base, comparison.new
        lines += [
            f"## Eval comparison: {md_escape(n['suite'])}",
            "",
            f"base: {_names(b['backend'], b.get('model'), b.get('prompt'))} ({md_escape(b['created'])})  ",
            f"new: {_names(n['backend'], n.get('model'), n.get('prompt'))} ({md_escape(n['created'])})",
            "",
            "**REGRESSED**" if comparison.regressed else f"No regression beyond tolerance ({comparison.tolerance}).",
            "",
        ]
        if comparison.sets_differ:
            lines += [
                f"Warning: the runs have different letters: {comparison.shared_letters} shared, "
                f"{len(comparison.only_base)} only in base ({md_escape(_some(comparison.only_base)) or 'none'}), "
                f"{len(comparison.only_new)} only in new ({md_escape(_some(comparison.only_new)) or 'none'}).",
                "",
            ]
        if comparison.gold_changed:
            lines += [
                f"Warning: the gold differs between the runs on {len(comparison.gold_changed)} letter(s) "
                f"({md_escape(_some(comparison.gold_changed))}): a change there comes from the answer key, not "
                "from the extraction.",
                "",
            ]
        lines += [
            f"Changes on the {comparison.shared_letters} shared inputs, with the paired 95% bootstrap interval "
            "of new - base; a metric regresses only when the whole interval is beyond the tolerance.",
            "",
            "| metric | base | new | delta | 95% interval | status |",
            "|---|---:|---:|---:|---:|---|",
        ]
        lines += [
            f"| {md_escape(m.metric)} | {fmt(m.base)} | {fmt(m.new)} | {fmt(m.delta)} | "
            f"{f'[{fmt(m.low)}, {fmt(m.high)}]' if m.low is not None else ''} | {m.status} |"
            for m in comparison.metrics
        ]
        if comparison.fields:
            lines += ["", "| letter | what | field | gold | before | after | change |", "|---|---|---|---|---|---|---|"]
            lines += [
                f"| {_cell(c.letter)} | {_cell(c.kind)} | {_cell(c.path)} | {_cell(c.gold)} | {_cell(c.before)} "
                f"| {_cell(c.after)} "
                f"| {c.change} |"
                for c in comparison.fields[:100]
            ]
        lines.append("")
    if run is not None:
        lines += [
            f"## Eval: {md_escape(run.suite.name)} ({md_escape(run.backend)}"
            f"{', ' + md_escape(run.model) if run.model else ''}"
            f"{', ' + md_escape(run.prompt) if run.prompt else ''}; {_n(run)})",
            "",
            "All thresholds pass." if run.passed else "**Threshold missed.**",
            "",
            "| metric | value | 95% interval | threshold |",
            "|---|---:|---:|---|",
        ]
        limits = {t.metric: t for t in run.thresholds}
        for metric in [m for m in HEADLINE if m in run.metrics] + [
            t.metric for t in run.thresholds if t.metric not in HEADLINE
        ]:
            t = limits.get(metric)
            mark = "" if t is None else f"{t.op} {t.limit} {'pass' if t.passed else '**MISS**'}"
            lines.append(f"| {md_escape(metric)} | {shown(run, metric)} | {interval(run, metric)} | {mark} |")
        missing = letters_missing_thresholds(run)
        if missing:
            lines += ["", "| threshold | letters that miss it (worst first) |", "|---|---|"]
            lines += [
                f"| {md_escape(metric)} | {', '.join(f'{md_escape(label)} {fmt(v)}' for label, v in letters)} |"
                for metric, letters in missing.items()
            ]
        fields = {k: v for k, v in run.metrics.items() if k.startswith("field.")}
        if fields:
            lines += ["", "| field | accuracy |", "|---|---:|"]
            lines += [f"| {md_escape(k[6:])} | {fmt(v)} |" for k, v in fields.items()]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    """A value in a Markdown table: text, never markup (names and letter words come from outside)."""
    text = str(value)
    return md_escape(text if len(text) <= 80 else text[:77] + "...")


def _names(*parts: Any) -> str:
    return md_escape(" ".join(str(p) for p in parts if p))


def _highlight(text: str, evidence: dict[str, dict[str, Any]], css: str, changed: frozenset[str] = frozenset()) -> str:
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
        if path in changed:
            cls += " changed"
        out.append(html.escape(text[pos:start]))
        out.append(f'<mark class="{cls}" title="{html.escape(path)}">{html.escape(text[start:end])}</mark>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def anchor(name: str, input_path: str) -> str:
    """The id of one input's section in the HTML report."""
    return "letter-" + "".join(c if c.isalnum() else "-" for c in f"{name}-{Path(input_path).suffix.lstrip('.')}")


def _diagnosis_rows(letter: LetterResult) -> list[FieldResult]:
    """Each gold diagnosis missing from the record, and each extra one, as a wrong row (codes as printed)."""
    label = f"{letter.name} ({letter.input})"
    gold = {norm_text(d): d for d in letter.gold.get("diagnoses") or []}
    record = letter.record or {}
    found = {norm_text(d): d for d in record.get("diagnoses") or []}
    codes = {norm_text(c.get("text") or ""): c.get("code") for c in record.get("coded_diagnoses") or []}
    rows = [
        FieldResult(label, "diagnoses", "diagnoses (missing)", value, None, False)
        for key, value in gold.items()
        if key not in found
    ]
    rows += [
        FieldResult(label, "diagnoses", "diagnoses (extra)", None, f"{value} [{codes.get(key) or 'no code'}]", False)
        for key, value in found.items()
        if key not in gold
    ]
    return rows


def _letter_view(
    letter: LetterResult, results: list[Any], with_text: bool, changed: frozenset[str] = frozenset()
) -> dict[str, Any]:
    results = [*results, *_diagnosis_rows(letter)]
    wrong = [r for r in results if not r.correct]
    decisions = [r for r in results if r.field == "disputed_items[].decision"]
    view: dict[str, Any] = {
        "name": letter.name,
        "input": letter.input,
        "anchor": anchor(letter.name, letter.input),
        "error": letter.error,
        "results": results,
        "correct": len(results) - len(wrong),
        "total": len(results),
        "failing": bool(wrong) or letter.error is not None,
        "wrong_fields": " ".join(sorted({r.field for r in wrong})),
        "decisions": " ".join(sorted({str(r.gold) for r in decisions})),
        "decision_wrong": any(not r.correct for r in decisions),
        "text_parser": None,
        "text_llm": None,
    }
    if with_text and Path(letter.input).is_file():
        try:
            text = load_file(Path(letter.input)).text
        except ImrError:
            return view
        if letter.parser:
            view["text_parser"] = Markup(_highlight(text, letter.parser.get("evidence") or {}, "parser", changed))
        llm_record = letter.record if letter.merged is not None else None
        if llm_record:
            view["text_llm"] = Markup(_highlight(text, llm_record.get("evidence") or {}, "llm", changed))
    return view


def _run_label(label: str, run: RunFile) -> dict[str, Any]:
    return {
        "label": label,
        "suite": run.suite.name,
        "backend": run.backend,
        "model": run.model,
        "prompt": run.prompt,
        "prompt_hash": run.prompt_hash or "",
        "created": run.created,
        "git_commit": run.git_commit,
        "n": _n(run),
    }


def html_report(
    run: RunFile | None,
    comparison: Comparison | None = None,
    with_text: bool = True,
    others: list[tuple[RunFile, Comparison]] | None = None,
) -> str:
    """One page: the run's metrics with intervals, letters failing first (only wrong fields shown
    until asked, filters by field and decision), and, for comparisons, every changed field linked
    to its letter with that field's evidence marked. `others`: more runs, each compared to the base."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("imr_llm.evals", "templates"), autoescape=True)
    comparisons = ([comparison] if comparison is not None else []) + [c for _, c in others or []]
    changed_paths: dict[str, set[str]] = {}
    for c in comparisons:
        for change in c.fields:
            changed_paths.setdefault(change.input, set()).add(change.path)
    letters: list[dict[str, Any]] = []
    if run is not None:
        _, results = field_results(run.letters)
        by_letter: dict[str, list[Any]] = {}
        for r in results:
            by_letter.setdefault(r.letter, []).append(r)
        letters = [
            _letter_view(
                x, by_letter.get(f"{x.name} ({x.input})", []), with_text, frozenset(changed_paths.get(x.input, ()))
            )
            for x in run.letters
        ]
        letters.sort(key=lambda v: (not v["failing"], v["correct"] - v["total"], v["name"]))
    runs = []
    if comparison is not None:
        runs = [{"label": "base", **comparison.base}, {"label": "new", **comparison.new}]
    elif run is not None:
        runs = [_run_label("run", run)]
    matrix = [_run_label("base" if k == 0 else f"run {k}", r) for k, r in enumerate([run] if run else [])]
    matrix += [_run_label(f"run {k + 1}", r) for k, (r, _) in enumerate(others or [])]
    fields = sorted({f for v in letters for f in v["wrong_fields"].split()})
    title = comparison.new["suite"] if comparison else run.suite.name if run else ""
    return env.get_template("report.html.j2").render(
        title=title,
        runs=runs,
        comparisons=comparisons,
        main=run,
        others=[r for r, _ in others or []],
        matrix=matrix if others else [],
        headline=[m for m in HEADLINE if run is not None and m in run.metrics],
        letters=letters,
        fields=fields,
        fmt=fmt,
        interval=interval,
        anchor=anchor,
    )


def _matrix_cell(row: MatrixRow, metric: str) -> str:
    value = row.metrics.get(metric)
    bounds = row.intervals.get(metric)
    return fmt(value) + (f" [{fmt(bounds[0])}, {fmt(bounds[1])}]" if bounds else "")


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_matrix(rows: list[MatrixRow], console: Console) -> None:
    """Rows: variants; columns: quality metrics with their 95% intervals, tokens, cost, latency."""
    metrics = [m for m in QUALITY if any(m in r.metrics for r in rows)]
    table = Table(title="matrix (95% bootstrap intervals over letters)")
    for col in ["variant", *metrics, "prompt tok", "completion tok", "cost USD", "latency p50/p95 s", "thresholds"]:
        table.add_column(col, justify="left" if col == "variant" else "right")
    for r in rows:
        table.add_row(
            r.variant,
            *[_matrix_cell(r, m) for m in metrics],
            fmt(r.prompt_tokens),
            fmt(r.completion_tokens),
            "no price known" if r.estimated_cost_usd is None else fmt(r.estimated_cost_usd),
            f"{_seconds(r.latency_p50_s)} / {_seconds(r.latency_p95_s)}",
            "[green]pass[/]" if r.passed else "[red]MISS[/]",
        )
    console.print(table)


def markdown_matrix(rows: list[MatrixRow]) -> str:
    metrics = [m for m in QUALITY if any(m in r.metrics for r in rows)]
    head = ["variant", "backend / model / prompt", *metrics, "prompt tokens", "completion tokens", "cost USD"]
    head += ["latency p50 s", "latency p95 s", "thresholds"]
    lines = [
        "## Eval matrix",
        "",
        "Values with their 95% bootstrap intervals over letters; every variant read the same letters.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for r in rows:
        cells = [md_escape(r.variant), _names(r.backend, r.model, r.prompt)]
        cells += [_matrix_cell(r, m) for m in metrics]
        cost = "no price known" if r.estimated_cost_usd is None else fmt(r.estimated_cost_usd)
        cells += [fmt(r.prompt_tokens), fmt(r.completion_tokens), cost]
        cells += [_seconds(r.latency_p50_s), _seconds(r.latency_p95_s), "pass" if r.passed else "**MISS**"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
