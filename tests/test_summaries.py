"""Patient summaries: offline templates pass every check; the checks catch wrong summaries."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from imr_llm.llm.client import LLMClient
from imr_llm.llm.config import LLMConfig
from imr_llm.llm.prompts import load_prompt
from imr_llm.parser import parse_text
from imr_llm.schema import LetterRecord
from imr_llm.summary.build import build_summary
from imr_llm.summary.checks import check_summary
from imr_llm.summary.render import Format, render, render_text
from imr_llm.summary.summarize import summarize
from tests.conftest import DEV, SAMPLES, chromium_render, needs_chromium, needs_shared, sample_names
from tests.fake_openai_server import MODEL, Behaviour, fake_server


def record_of(name: str) -> LetterRecord:
    return parse_text((SAMPLES / f"{name}.txt").read_text())


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("name", sample_names())
def test_offline_summary_passes_every_check(name: str, lang: str) -> None:
    record = record_of(name)
    outcome = summarize(record, lang)  # type: ignore[arg-type]
    assert outcome.checks.passed, outcome.checks.problems
    for fmt in (Format.MD, Format.TXT):
        assert check_summary(render_text(outcome.summary, fmt), outcome.summary, record).passed


def test_each_item_says_what_the_decision_means() -> None:
    text = render_text(build_summary(record_of("synth-2016-basic")))
    upheld = text[text.index("Request 1:") : text.index("Request 2:")]
    overturned = text[text.index("Request 2:") : text.index("What you can do now")]
    assert "Upheld" in upheld and "The denial stands" in upheld and "will not be approved" in upheld
    assert "Overturned" in overturned and "must approve" in overturned
    assert "30 days" in text and "5 more days" in text and "4610.6(h)" in text
    assert "verified petition" in text and "not legal advice" in text
    assert "Information and Assistance" in text


def test_spanish_summary_keeps_the_letters_words_for_items() -> None:
    summary = build_summary(record_of("synth-2016-basic"), "es")
    text = render_text(summary)
    assert "Lo que se decidió" in text and "Lo que puede hacer ahora" in text
    assert '"MRI of the right shoulder without contrast"' in text  # as the letter words it
    assert "30 de diciembre de 2016" in text
    assert "no es consejo legal" in text


# -- the checks catch wrong summaries ------------------------------------------------


@pytest.fixture
def basic() -> tuple[LetterRecord, str]:
    record = record_of("synth-2016-basic")
    return record, render_text(build_summary(record))


def problems(record: LetterRecord, text: str) -> list[str]:
    return check_summary(text, build_summary(record), record).problems


def test_invented_date_is_caught(basic: tuple[LetterRecord, str]) -> None:
    record, text = basic
    bad = text.replace("decided on December 30, 2016", "decided on January 3, 2017")
    assert problems(record, bad) == ["'January 3, 2017' is not in the letter"]


def test_flipped_decision_is_caught(basic: tuple[LetterRecord, str]) -> None:
    record, text = basic
    bad = text.replace(
        "**Decision: Upheld. It is not approved.** The denial stands. This treatment will not be approved now.",
        "**Decision: Overturned. It is approved.** The company that handles your claim must approve this treatment.",
    )
    assert problems(record, bad) == ["item 1 does not state its decision (upheld) unambiguously"]


def test_dropped_item_is_caught(basic: tuple[LetterRecord, str]) -> None:
    record, text = basic
    bad = text[: text.index("### Request 2")] + text[text.index("## What you can do now") :]
    assert problems(record, bad) == ["item 2 ('MRI of the right shoulder without contrast') is missing"]


def test_invented_item_and_drug_are_caught(basic: tuple[LetterRecord, str]) -> None:
    record, text = basic
    bad = text.replace(
        "## What you can do now", '### Request 3: "Norco 10/325"\n\nIt is approved.\n\n## What you can do now'
    )
    assert "Request 3 is not an item of the letter" in problems(record, bad)
    bad = text.replace("**Why:** More was asked", "**Why:** Your Norco dose of 40 mg was too high. More was asked")
    assert problems(record, bad) == ["'40' is not in the letter", "'Norco' is not in the letter"]


def test_too_hard_to_read_is_caught(basic: tuple[LetterRecord, str]) -> None:
    record, text = basic
    jargon = (
        "Notwithstanding the aforementioned utilization review determination, the independent medical reviewer "
        "substantively corroborated contraindications necessitating nonauthorization of interventional modalities. "
    )
    bad = text.replace("## What you can do now", jargon * 12 + "\n\n## What you can do now")
    assert any(p.startswith("reading grade") for p in problems(record, bad))


# -- the LLM rewrite ----------------------------------------------------------------


def client_for(server_url: str) -> LLMClient:
    return LLMClient(LLMConfig(base_url=server_url, model=MODEL, reasks=0, max_wait_s=1.0, transport_attempts=1))


def test_a_faithful_rewrite_is_used_FAKE_SERVER() -> None:
    record = record_of("synth-2016-basic")
    rewrite = {
        "intro": "An outside doctor looked at two requests from your doctor. One was approved and one was not.",
        "items": [
            {"number": 1, "explanation": "The guidelines allow fewer visits to start. More was asked for."},
            {
                "number": 2,
                "explanation": "Your shoulder pain went on after weeks of care, so the scan fits the guidelines.",
            },
        ],
    }
    with fake_server(Behaviour("ok", rewrite)) as server:
        outcome = summarize(record, "en", client_for(server.base_url), load_prompt("summary"))
        sent = json.dumps(server.requests[0]["messages"])
    assert outcome.rejected == []
    assert outcome.summary.source == "llm"
    assert outcome.checks.passed
    assert "One was approved" in render_text(outcome.summary)
    assert "Examination showed tenderness" not in sent  # the model sees the record's facts, not the letter


def test_an_unfaithful_rewrite_is_rejected_and_the_offline_summary_used_FAKE_SERVER() -> None:
    record = record_of("synth-2016-basic")
    rewrite = {
        "intro": "Good news: everything you asked for was approved on January 3, 2017.",
        "items": [{"number": 1, "explanation": "It is approved, so you can start your 24 visits."}],
    }
    with fake_server(Behaviour("ok", rewrite)) as server:
        outcome = summarize(record, "en", client_for(server.base_url), load_prompt("summary"))
    assert outcome.summary.source == "offline"
    assert outcome.checks.passed
    reasons = " | ".join(outcome.rejected)
    assert "no explanation for item 2" in reasons
    assert "item 1 does not state its decision (upheld) unambiguously" in reasons
    assert "'January 3, 2017' is not in the letter" in reasons
    assert "'24' is not in the letter" in reasons


# -- formats ------------------------------------------------------------------------


def test_json_format_carries_summary_and_checks() -> None:
    record = record_of("synth-2014")
    outcome = summarize(record, "es")
    data = json.loads(render(outcome.summary, Format.JSON, outcome.checks.model_dump(mode="json")))
    assert data["summary"]["lang"] == "es"
    assert data["checks"]["passed"] is True
    assert [i["decision"] for i in data["summary"]["items"]] == ["upheld", "overturned"]


@needs_chromium
def test_html_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    record = record_of("synth-2016-partial")
    page = tmp_path / "summary.html"
    page.write_text(render(summarize(record, "en").summary, Format.HTML), encoding="utf-8")
    png, dom = chromium_render(page, tmp_path, "900,1600")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a blank page compresses to ~5 KB
    for expected in (
        "Your Independent Medical Review (IMR) decision",
        "Hydrocodone/APAP 10/325mg #45",
        "Decision: Overturned. It is approved.",
        "What you can do now",
        "not legal advice",
    ):
        assert expected in dom


def test_cli_writes_summaries_and_their_checks(tmp_path: Path) -> None:
    files = [str(SAMPLES / "synth-2016-basic.txt"), str(SAMPLES / "synth-2013-notice.txt")]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "imr_llm.cli",
            "summarize",
            *files,
            "--out",
            str(tmp_path),
            "--lang",
            "es",
            "--format",
            "html",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "synth-2013-notice.es.checks.json",
        "synth-2013-notice.es.html",
        "synth-2016-basic.es.checks.json",
        "synth-2016-basic.es.html",
    ]
    assert json.loads((tmp_path / "synth-2016-basic.es.checks.json").read_text())["passed"] is True
    assert len(result.stderr.splitlines()) == 2 and "summary checks passed" in result.stderr


@needs_shared
def test_dev_letters_reading_figures() -> None:
    grades, eases = [], []
    for path in sorted(DEV.glob("*.txt")):
        record = parse_text(path.read_text())
        en, es = summarize(record, "en"), summarize(record, "es")
        assert en.checks.passed and es.checks.passed, (path.name, en.checks.problems, es.checks.problems)
        assert en.checks.grade is not None and es.checks.ease is not None
        grades.append(en.checks.grade)
        eases.append(es.checks.ease)
    assert len(grades) == 41
    assert statistics.median(grades) <= 6.0 and max(grades) <= 8.0
    assert min(eases) >= 70.0  # Fernandez Huerta "bastante fácil" or easier
