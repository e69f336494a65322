"""The built-in scorers. Each reads stored letter results (gold + records) and returns flat metrics:
no model is called here, which is what makes `--rescore` exact and free."""

from __future__ import annotations

import json
import os
import re
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from imr_llm.errors import ConfigError
from imr_llm.evals.registry import ScoreContext, scorer
from imr_llm.evals.results import LetterResult
from imr_llm.evals.scoring import set_f1
from imr_llm.fields import (
    GROUNDED_ITEM_FIELDS,
    GROUNDED_TOP_FIELDS,
    MISSING_ITEM,
    align_items,
    dates_from_another_label,
    norm_text,
)
from imr_llm.llm.prices import price_usd
from imr_llm.outputs import read_regular
from imr_llm.schema import LetterRecord
from imr_llm.summary.build import build_summary
from imr_llm.summary.checks import SummaryChecks
from imr_llm.summary.languages import LANGUAGES
from imr_llm.summary.readability import page_grade
from imr_llm.summary.summarize import summarize


@scorer(
    "fields",
    lower_is_better=(
        "decisions_wrong", "decisions_unread", "needs_review_rate", "wrong_unflagged", "dates_from_another_label",
    ),
)  # fmt: skip
def fields(letters: list[LetterResult], ctx: ScoreContext) -> dict[str, float]:
    """Per-field accuracy, key-field accuracy and decision accuracy against gold; and the decisions the
    extractor stated wrongly (the one error that must never happen) or left unread (null: reviewed)."""
    card = ctx.card
    decided = [r for r in card.results if r.field == "disputed_items[].decision" and r.predicted != MISSING_ITEM]
    out = {
        "key_field_accuracy": card.key_field_accuracy,
        "decision_accuracy": card.decision_accuracy,
        "decisions_wrong": float(sum(r.predicted is not None and not r.correct for r in decided)),
        "decisions_unread": float(sum(r.predicted is None for r in decided)),
        "dates_from_another_label": float(sum(_dates_from_another_label(x) for x in letters)),
    }
    return (
        out | _review_flags(letters, card.results) | {f"field.{f}": v for f, v in sorted(card.field_accuracy().items())}
    )


def _dates_from_another_label(letter: LetterResult) -> int:
    return dates_from_another_label(letter.record or {}, letter.gold)


def _review_flags(letters: list[LetterResult], results: list[Any]) -> dict[str, float]:
    """Whether `needs_review` sorts the records: the key fields of unflagged records are right, stated-wrong
    values are flagged (wrong_unflagged must be 0), and few records are flagged."""
    by_letter: dict[str, list[Any]] = defaultdict(list)
    for r in results:
        by_letter[r.letter].append(r)
    scored = [(x, by_letter.get(f"{x.name} ({x.input})", [])) for x in letters if x.record]
    if not scored:
        return {}
    flagged = [(x, rs) for x, rs in scored if x.record and x.record.get("needs_review")]
    clear = [(x, rs) for x, rs in scored if not (x.record and x.record.get("needs_review"))]
    missed = [(x, rs) for x, rs in scored if any(not r.correct for r in rs)]
    stated_wrong = [(x, rs) for x, rs in clear if any(not r.correct and r.predicted is not None for r in rs)]
    clear_fields = [r for _, rs in clear for r in rs]
    return {
        "needs_review_rate": len(flagged) / len(scored),
        "unflagged_key_field_accuracy": (
            sum(r.correct for r in clear_fields) / len(clear_fields) if clear_fields else 1.0
        ),
        "wrong_unflagged": float(len(stated_wrong)),
        "flag_precision": (sum(any(not r.correct for r in rs) for _, rs in flagged) / len(flagged) if flagged else 1.0),
        "flag_recall": (
            sum(bool(x.record and x.record.get("needs_review")) for x, _ in missed) / len(missed) if missed else 1.0
        ),
    }


@scorer("items")
def items(letters: list[LetterResult], ctx: ScoreContext) -> dict[str, float]:
    """Item precision / recall / F1 (items aligned by position, then fuzzy request match)."""
    precision, recall, f1 = ctx.card.item_prf()
    return {"item_precision": precision, "item_recall": recall, "item_f1": f1}


@scorer("diagnoses")
def diagnoses(letters: list[LetterResult], ctx: ScoreContext) -> dict[str, float]:
    """Set F1 of the diagnoses, and the share of letters with all of them exactly right."""
    exact = sum(set_f1(x.gold.get("diagnoses"), (x.record or {}).get("diagnoses"))[2] == 1.0 for x in letters)
    return {"diagnoses_f1": ctx.card.diagnoses_f1, "diagnoses_exact": exact / max(1, len(letters))} | _code_shares(
        letters
    )


def _code_shares(letters: list[LetterResult]) -> dict[str, float]:
    """How the extracted diagnoses got their ICD-10-CM codes: exact, fuzzy, none (there is no gold
    for codes: precision is checked by reading, see the README)."""
    coded = [c for x in letters for c in (x.record or {}).get("coded_diagnoses") or []]
    n = max(1, len(coded))
    return {
        "diagnosis_codes_exact": sum(c.get("match") == "exact" for c in coded) / n,
        "diagnosis_codes_fuzzy": sum(c.get("match") == "fuzzy" for c in coded) / n,
        "diagnosis_codes_none": sum(c.get("code") is None for c in coded) / n,
    }


@scorer("guidelines")
def guidelines(letters: list[LetterResult], ctx: ScoreContext) -> dict[str, float]:
    """Set F1 of the guideline short names per aligned item."""
    tp = fp = fn = 0
    for letter in letters:
        a, b, c = ctx.per_letter("guidelines", letter, _guideline_counts)
        tp, fp, fn = tp + a, fp + b, fn + c
    return {"guidelines_f1": 1.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)}


def _guideline_counts(letter: LetterResult) -> tuple[int, int, int]:
    tp = fp = fn = 0
    g_items = letter.gold.get("disputed_items") or []
    p_items = letter.scored().get("disputed_items") or []
    alignment = align_items(g_items, p_items)
    for gi, pi in alignment.pairs:
        g = set(g_items[gi].get("guidelines_cited") or [])
        p = set(p_items[pi].get("guidelines_cited") or [])
        tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
    for gi in alignment.missed:
        fn += len(g_items[gi].get("guidelines_cited") or [])
    return tp, fp, fn


@scorer("grounding")
def grounding(letters: list[LetterResult], ctx: ScoreContext) -> dict[str, float]:
    """Share of extracted key values that carry an evidence span (exact or fuzzy) into the letter."""
    total = grounded = exact = 0
    for letter in letters:
        a, b, c = ctx.per_letter("grounding", letter, _grounding_counts)
        total, grounded, exact = total + a, grounded + b, exact + c
    if total == 0:
        return {"grounding_rate": 0.0, "grounding_exact_rate": 0.0}
    return {"grounding_rate": grounded / total, "grounding_exact_rate": exact / total}


def _grounding_counts(letter: LetterResult) -> tuple[int, int, int]:
    record = letter.record
    if not record:
        return 0, 0, 0
    evidence: dict[str, dict[str, Any]] = record.get("evidence") or {}
    paths = [f for f in GROUNDED_TOP_FIELDS if record.get(f) is not None]
    for i, item in enumerate(record.get("disputed_items") or []):
        paths += [f"disputed_items.{i}.{f}" for f in GROUNDED_ITEM_FIELDS if item.get(f) is not None]
    paths += [f"diagnoses.{i}" for i in range(len(record.get("diagnoses") or []))]
    spans = [evidence.get(path) for path in paths]
    found = [span for span in spans if span is not None]
    return len(paths), len(found), sum(span.get("alignment", "exact") == "exact" for span in found)


@scorer("agreement", lower_is_better=("needs_review_rate",))
def agreement(letters: list[LetterResult], ctx: ScoreContext) -> dict[str, float]:
    return _agreement(letters)


def _agreement(letters: list[LetterResult]) -> dict[str, float]:
    by_field: dict[str, list[bool]] = defaultdict(list)
    for letter in letters:
        report = (letter.merged or {}).get("crosscheck")
        if not report:
            continue
        for check in report["fields"]:
            field = ".".join(p if not p.isdigit() else "[]" for p in check["path"].split("."))
            by_field[field].append(check["status"] == "agree")
    if not by_field:
        return {}
    every = [v for values in by_field.values() for v in values]
    out = {"agreement_rate": sum(every) / len(every)}
    out |= {f"agreement.{f}": sum(v) / len(v) for f, v in sorted(by_field.items())}
    out["needs_review_rate"] = sum(bool((x.merged or {}).get("needs_review")) for x in letters) / len(letters)
    return out


@scorer("summary", lower_is_better=("summary_grade", "summary_failed", "summary_page_grade"))
def summaries(letters: list[LetterResult], ctx: ScoreContext) -> dict[str, float]:
    """Checks of the offline summary of every scored record, in every summary language."""
    grades: list[float] = []
    eases: list[float] = []
    passed = faithful = covered = items = failed = 0
    scored = 0
    for letter in letters:
        checks = ctx.per_letter("summary", letter, _summary_checks)
        if checks is None:
            continue
        scored += 1
        passed += all(c.passed for c in checks)
        for c in checks:
            if c.grade is not None:
                grades.append(c.grade)
            if c.ease is not None:
                eases.append(c.ease)
            failed += not c.passed
            faithful += not c.untraceable and not c.invented_items
            covered += sum(i.present and i.polarity_ok and i.reason_sourced for i in c.items)
            items += len(c.items)
    if not scored:
        return {}
    return {  # rates over every letter in every registered language
        "summary_pass_rate": passed / scored,
        "summary_failed": float(failed),
        "summary_faithful_rate": faithful / (scored * len(LANGUAGES)),
        "summary_coverage": covered / items if items else 1.0,
        "summary_grade_median": statistics.median(grades) if grades else 0.0,
        "summary_grade_max": max(grades) if grades else 0.0,
        "summary_ease_min": min(eases) if eases else 0.0,
        **_page_grades(letters, ctx),
    }


def _page_grades(letters: list[LetterResult], ctx: ScoreContext) -> dict[str, float]:
    """Flesch-Kincaid grade of the whole English page as a reader sees it, the letter's quoted words included."""
    grades = [g for x in letters if (g := ctx.per_letter("page_grade", x, _page_grade)) is not None]
    if not grades:
        return {}
    return {"summary_page_grade_median": statistics.median(grades), "summary_page_grade_max": max(grades)}


def _page_grade(letter: LetterResult) -> float | None:
    if not letter.record or "en" not in LANGUAGES:
        return None
    record = LetterRecord.model_validate(letter.record)
    return page_grade(summarize(record, "en").summary.render("txt"))


def _summary_checks(letter: LetterResult) -> list[SummaryChecks] | None:
    if not letter.record:
        return None
    record = LetterRecord.model_validate(letter.record)
    return [summarize(record, code).checks for code in LANGUAGES]


def _overlaps(a: str, b: str) -> bool:
    x, y = norm_text(a).casefold(), norm_text(b).casefold()
    return bool(x and y) and (x in y or y in x or fuzz.partial_ratio(x, y) >= 95)


@scorer("reasons", lower_is_better=("reason_plain_not_gold",))
def reasons(letters: list[LetterResult], ctx: ScoreContext) -> dict[str, float]:
    """The summary's reason for each item against the gold reason annotations (items that have them).

    topic accuracy: the parser's topic is one of the gold topics (topics label the record; no plain
    sentence is worded from one); sentence hit rate: one of the sentences shown overlaps a gold sentence;
    chosen hit rate: the first sentence the "Why" rests on is a gold sentence; plain rate: the "Why" is a
    plain restatement, not only a quote (per language); plain not gold: plain restatements of a sentence
    the gold does not list (a reason a reader should check)."""
    totals: dict[str, float] = defaultdict(float)
    for letter in letters:
        for k, v in ctx.per_letter("reasons", letter, _reason_counts).items():
            totals[k] += v
    n = totals["n"]
    if not n:
        return {}
    out = {
        "reason_items": n,
        "reason_topic_accuracy": totals["topic"] / n,
        "reason_sentence_hit_rate": totals["hit"] / n,
        "reason_chosen_hit_rate": totals["chosen"] / n,
        "reason_plain_not_gold": totals["plain_not_gold"],
    }
    for code in LANGUAGES:
        out[f"reason_plain_rate.{code}"] = totals[f"plain.{code}"] / n
    return out


def _reason_counts(letter: LetterResult) -> dict[str, float]:
    counts: dict[str, float] = defaultdict(float)
    g_items = letter.gold.get("disputed_items") or []
    if not letter.record or not any(g.get("reason_topics") for g in g_items):
        return counts
    record = LetterRecord.model_validate(letter.record)
    summaries = {code: build_summary(record, code) for code in LANGUAGES}
    alignment = align_items(g_items, [i.model_dump() for i in record.disputed_items])
    for gi, pi in alignment.pairs:
        gold_topics = g_items[gi].get("reason_topics") or []
        gold_sentences = g_items[gi].get("reason_sentences") or []
        if not gold_topics:
            continue
        reason = (
            summaries["en"].items[pi].reason if "en" in summaries else next(iter(summaries.values())).items[pi].reason
        )
        counts["n"] += 1
        counts["topic"] += reason.topic in gold_topics
        hits = [any(_overlaps(s, g) for g in gold_sentences) for s in reason.sentences]
        counts["hit"] += any(hits)
        counts["chosen"] += bool(hits and hits[0])
        counts["plain_not_gold"] += sum(not any(_overlaps(p.source, g) for g in gold_sentences) for p in reason.plain)
        for code, summary in summaries.items():
            counts[f"plain.{code}"] += not summary.items[pi].reason.quoted
    return counts


_COST = (
    "calls",
    "prompt_tokens",
    "completion_tokens",
    "prompt_tokens_per_letter",
    "completion_tokens_per_letter",
    "latency_s",
    "cached_share",
    "estimated_cost_usd",
    "price_known",
)


@scorer(
    "cost",
    lower_is_better=("calls", "prompt_tokens", "completion_tokens", "latency_s", "estimated_cost_usd"),
    cost=_COST,
)
def cost(letters: list[LetterResult], ctx: ScoreContext) -> dict[str, float]:
    return _cost(letters, ctx.prices)


def _cost(letters: list[LetterResult], prices: dict[str, dict[str, float]]) -> dict[str, float]:
    runs = [x.llm for x in letters if x.llm]
    calls = sum(r.get("requests", 0) for r in runs)
    prompt = sum(r.get("prompt_tokens", 0) for r in runs)
    completion = sum(r.get("completion_tokens", 0) for r in runs)
    priced = [
        price_usd(prices, r.get("model", ""), r.get("prompt_tokens", 0), r.get("completion_tokens", 0)) for r in runs
    ]
    cost = sum(p for p in priced if p is not None)
    n = len(letters) or 1
    return {
        "calls": float(calls),
        "prompt_tokens": float(prompt),
        "completion_tokens": float(completion),
        "prompt_tokens_per_letter": prompt / n,
        "completion_tokens_per_letter": completion / n,
        "latency_s": round(sum(r.get("latency_s", 0.0) for r in runs), 3),
        "cached_share": (sum(bool(r.get("cached")) for r in runs) / len(runs)) if runs else 0.0,
        "estimated_cost_usd": round(cost, 6),
        "price_known": float(all(p is not None for p in priced)),  # 0: some model has no price ("no price known")
    }


# -- research fields (issue 24): kind, drug and body site against the research gold --------------------------

RESEARCH_GOLD_ENV = "IMR_LLM_RESEARCH_GOLD"


def research_gold_path() -> Path:
    """The research gold: `$IMR_LLM_RESEARCH_GOLD`, else evals/gold-research/dev.json of this checkout."""
    env = os.environ.get(RESEARCH_GOLD_ENV)
    return Path(env) if env else Path(__file__).resolve().parents[2] / "evals" / "gold-research" / "dev.json"


def research_gold() -> dict[str, list[dict[str, Any]]]:
    """The research gold's letters, or a ConfigError naming the file (a pipe at its name had hung a run after
    every letter was read, and a missing or broken file had scored every research metric "-" without a word)."""
    path = research_gold_path()
    raw = read_regular(path, 50_000_000)
    if raw is None:
        raise ConfigError(f"research gold {path}: not found or not a regular file (${RESEARCH_GOLD_ENV} names it)")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise ConfigError(f"research gold {path}: not JSON ({e})") from e
    letters = data.get("letters") if isinstance(data, dict) else None
    if not isinstance(letters, dict):
        raise ConfigError(f'research gold {path}: no "letters" table in it')
    return letters


def _norm_amount(value: Any) -> str | None:
    return None if value is None else re.sub(r"\s+", "", str(value)).lower()


def research_item_scores(gold: dict[str, Any], item: dict[str, Any]) -> dict[str, float | None]:
    """One item's research scores (None: not scored for this item)."""
    out: dict[str, float | None] = {}
    kind = (item.get("kind") or {}).get("code")
    out["kind"] = float(kind == gold.get("kind"))
    gold_med, pred_med = gold.get("kind") == "medication", kind == "medication"
    out["kind_wrong_medication"] = float(gold_med != pred_med and kind is not None)
    g_drug, p_drug = gold.get("drug"), item.get("drug") or {}
    if g_drug:
        ingredients = {x.get("name") for x in p_drug.get("ingredients") or []}
        out["drug_ingredients"] = float(ingredients == set(g_drug["ingredients"]))
        out["drug_class"] = float(p_drug.get("drug_class") == g_drug.get("drug_class"))
        out["drug_compounded"] = float(bool(p_drug.get("compounded")) == bool(g_drug.get("compounded")))
        out["drug_brand"] = float((p_drug.get("brand") or "").lower() == (g_drug.get("brand") or "").lower())
        out["drug_strength"] = float(_norm_amount(p_drug.get("strength")) == _norm_amount(g_drug.get("strength")))
        out["drug_quantity"] = float(_norm_amount(p_drug.get("quantity")) == _norm_amount(g_drug.get("quantity")))
    g_site = sorted((gold.get("body_site") or {}).get("sites") or [])
    p_site = sorted((item.get("body_site") or {}).get("sites") or [])
    out["body_site"] = float(g_site == p_site)
    out["body_site_right_or_null"] = float(not p_site or g_site == p_site)
    out["body_site_wrong"] = float(bool(p_site) and g_site != p_site)
    out["body_site_stated"] = float(bool(p_site))
    return out


_RESEARCH_HEADLINE = ("kind", "drug_ingredients", "body_site_right_or_null")


@scorer("research", lower_is_better=("research.kind_wrong_medication", "research.body_site_wrong"))
def research(letters: list[LetterResult], ctx: ScoreContext) -> dict[str, float]:
    """Kind, drug and body site per item against evals/gold-research (items aligned by position). Accuracies
    are shares of gold items; `kind_wrong_medication` and `body_site_wrong` are counts (a medication filed as
    another kind, or another kind as a medication; a body site stated wrongly: both must stay 0). Per half of
    the gold letters (sorted by name; the rules were written on the odd ones): `research.odd.*`, `.even.*`."""
    gold = research_gold()
    order = {name: k for k, name in enumerate(sorted(gold))}
    sums: dict[str, list[float]] = defaultdict(list)
    for x in letters:
        if x.name not in gold or x.record is None:
            continue
        half = "odd" if order[x.name] % 2 == 0 else "even"  # the 1st, 3rd, ... letter is odd-numbered
        predicted = x.record.get("disputed_items") or []
        for i, g in enumerate(gold[x.name]):
            scores = research_item_scores(g, predicted[i] if i < len(predicted) else {})
            for metric, value in scores.items():
                if value is None:
                    continue
                sums[metric].append(value)
                if metric in _RESEARCH_HEADLINE:
                    sums[f"{half}.{metric}"].append(value)
    out: dict[str, float] = {}
    for metric, values in sorted(sums.items()):
        if metric in ("kind_wrong_medication", "body_site_wrong"):
            out[f"research.{metric}"] = float(sum(values))
        else:
            name = metric if metric.endswith(("_null", "_stated")) else f"{metric}_accuracy"
            out[f"research.{name}"] = sum(values) / len(values)
    return out
