"""Patient summaries: offline summaries pass every check; the checks catch wrong summaries; the wording
cannot say the opposite of the decision in any combination, in any language."""

from __future__ import annotations

import itertools
import json
import re
import statistics
from pathlib import Path

import pytest

from imr_llm.llm.client import LLMClient
from imr_llm.llm.config import LLMConfig
from imr_llm.llm.prompts import load_prompt
from imr_llm.parser import parse_text
from imr_llm.schema import LetterRecord
from imr_llm.summary.build import build_summary
from imr_llm.summary.checks import check_opening, check_summary
from imr_llm.summary.languages import LANGUAGES, Counts, get_language
from imr_llm.summary.readability import page_grade
from imr_llm.summary.render import Format, render, render_html, render_text
from imr_llm.summary.summarize import summarize
from tests.cli import run_cli
from tests.conftest import DEV, SAMPLES, chromium_render, needs_chromium, needs_shared, sample_names
from tests.fake_openai_server import MODEL, Behaviour, fake_server
from tests.letters import APPROVED_MRI, DENIED_PT, Item, make_letter


def record_of(name: str) -> LetterRecord:
    return parse_text((SAMPLES / f"{name}.txt").read_text())


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("name", sample_names())
def test_offline_summary_passes_every_check(name: str, lang: str) -> None:
    record = record_of(name)
    outcome = summarize(record, lang)
    assert outcome.checks.passed, outcome.checks.problems
    for fmt in (Format.MD, Format.TXT):
        assert check_summary(render_text(outcome.summary, fmt), outcome.summary, record).passed


# -- wording that cannot say the opposite ---------------------------------------------------


def all_counts() -> list[Counts]:
    """Every combination of 1, 2, 3 and 5 items over approved / not approved / unreadable, with and
    without partly approved requests."""
    out = []
    for n in (1, 2, 3, 5):
        for decisions in itertools.combinations_with_replacement(("overturned", "upheld", None), n):
            for partial in {0, 1, n}:
                out.append(Counts.of(list(decisions), partial))
    return out


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_the_opening_matches_the_counts_in_every_combination(lang: str) -> None:
    language = get_language(lang)
    for counts in all_counts():
        opening = language.opening(counts)
        assert check_opening(opening, counts, language) == [], (counts, opening)
        claims = dict(language.opening_claims(opening))
        assert claims["n"] == counts.n
        stated = {f: v for f, v in language.opening_claims(opening) if f != "n"}
        assert stated == {f: getattr(counts, f) for f in ("approved", "denied", "unreadable") if getattr(counts, f)}


def test_english_openings_read_right() -> None:
    en = get_language("en")
    assert "None of the three was approved." in en.opening(Counts.of(["upheld"] * 3))
    assert "Neither one was approved." in en.opening(Counts.of(["upheld"] * 2))
    assert "It was not approved." in en.opening(Counts.of(["upheld"]))
    assert "One was approved. Two were not approved." in en.opening(Counts.of(["overturned", "upheld", "upheld"]))
    assert "not approved" not in en.opening(Counts.of(["overturned"] * 4))


def test_spanish_agrees_in_number_and_gender() -> None:
    es = get_language("es")
    one = es.opening(Counts.of(["upheld"]))
    assert "vio una solicitud de su médico que había sido negada" in one and "No fue aprobada." in one
    two = es.opening(Counts.of(["upheld", "upheld"]))
    assert "vio dos solicitudes de su médico que habían sido negadas" in two
    assert "Ninguna de las dos fue aprobada." in two
    mixed = es.opening(Counts.of(["overturned", "upheld", "upheld"]))
    assert "Una fue aprobada. Dos no fueron aprobadas." in mixed
    for counts in all_counts():
        text = es.opening(counts)
        assert not re.search(r"\buno pedido|\bpedido|negados\b|aprobados\b", text), text


@pytest.mark.parametrize(
    ("lang", "opening", "counts", "expected"),
    [
        ("en", "... requests ... None of them were not approved.", Counts.of(["upheld"] * 3), "double negative"),
        (
            "en",
            "The reviewer looked at two requests from your doctor. Two were approved.",
            Counts.of(["overturned", "upheld"]),
            "says 2 for approved",
        ),
        (
            "en",
            "The reviewer looked at three requests from your doctor. One was approved.",
            Counts.of(["overturned", "upheld", "upheld"]),
            "accounts for 1 of 3",
        ),
        ("en", "The reviewer looked at one request from your doctor.", Counts.of(["upheld"]), "does not say"),
        (
            "es",
            "El médico revisor vio tres solicitudes. Ninguna no fue aprobada.",
            Counts.of(["upheld"] * 3),
            "double negative",
        ),
        ("es", "El médico revisor vio una solicitud. Fue aprobada.", Counts.of(["upheld"]), "says 1 for approved"),
    ],
)
def test_a_wrong_opening_is_caught(lang: str, opening: str, counts: Counts, expected: str) -> None:
    problems = check_opening(opening, counts, get_language(lang))
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize(
    "items",
    [
        (DENIED_PT,),
        (APPROVED_MRI,),
        (DENIED_PT, APPROVED_MRI),
        (APPROVED_MRI, APPROVED_MRI, DENIED_PT),
        (Item("Home exercise kit", "", "The kit was reviewed."), DENIED_PT),
    ],
)
def test_whole_summaries_pass_for_mixed_letters(lang: str, items: tuple[Item, ...]) -> None:
    record = parse_text(make_letter(*items))
    outcome = summarize(record, lang)
    assert outcome.checks.passed, outcome.checks.problems


# -- the checks catch wrong summaries -------------------------------------------------------


@pytest.fixture
def basic() -> tuple[LetterRecord, str]:
    record = record_of("synth-2016-basic")
    return record, render_text(build_summary(record))


def problems(record: LetterRecord, text: str, lang: str = "en") -> list[str]:
    return check_summary(text, build_summary(record, lang), record).problems


def test_a_value_the_record_warns_about_is_no_false_alarm_and_an_invented_one_still_is() -> None:
    """A scan's case number and decision date were left empty with a warning that quotes what was read; the page
    shows that warning. That is the record's own text, not an invention: no "failed its safety checks" banner
    (an independent tester saw it on half of a set of correct scan summaries). A case number or date in the
    page that neither the record nor its warnings hold is still caught."""
    record = record_of("synth-2016-basic").model_copy(
        update={
            "case_number": None,
            "decision_date": None,
            "warnings": [
                "case_number: 'CM16-0219557' was read by OCR without enough confidence; left empty",
                "decision_date: '02/07/2017' was read by OCR without enough confidence; left empty",
            ],
        }
    )
    text = render_text(build_summary(record))
    assert "CM16-0219557" in text and "02/07/2017" in text
    assert problems(record, text) == []
    bad = text.replace(
        "Please check this summary", "Your case CM17-0000001 of 03/04/2017. Please check this summary", 1
    )
    assert {"'CM17' is not in the letter", "'03/04/2017' is not in the letter"} <= set(problems(record, bad))


def test_invented_date_is_caught(basic: tuple[LetterRecord, str]) -> None:
    record, text = basic
    bad = text.replace("decided on December 30, 2016", "decided on January 3, 2017")
    assert problems(record, bad) == ["'January 3, 2017' is not in the letter"]


def test_flipped_decision_is_caught(basic: tuple[LetterRecord, str]) -> None:
    record, text = basic
    bad = text.replace(
        "**Decision: Upheld. This is not approved.** The denial stands.",
        "**Decision: Overturned. This is approved.** The company must approve it.",
    )
    assert "item 1 does not state its decision (upheld) unambiguously" in problems(record, bad)


def test_flipped_opening_is_caught(basic: tuple[LetterRecord, str]) -> None:
    record, text = basic
    bad = text.replace("One was approved. One was not approved.", "Both were approved.")
    assert any("the opening says 2 for approved" in p for p in problems(record, bad))


def test_a_why_with_no_source_sentence_is_caught(basic: tuple[LetterRecord, str]) -> None:
    record, text = basic
    quote = text[text.index("> The reviewer wrote:") :].splitlines()[0]
    bad = text.replace(quote, '> The reviewer wrote: "The patient was doing well."')
    assert "item 1: the reason is not backed by a sentence of its rationale" in problems(record, bad)
    summary = build_summary(record)
    summary.items[0].reason.sentences = ["The patient was doing well."]
    invented = render_text(summary)
    assert (
        "item 1: the reason is not backed by a sentence of its rationale"
        in check_summary(invented, summary, record).problems
    )


def test_dropped_item_is_caught(basic: tuple[LetterRecord, str]) -> None:
    record, text = basic
    bad = text[: text.index("### Request 2")] + text[text.index("## What you can do now") :]
    assert "item 2 ('MRI of the right shoulder without contrast') is missing" in problems(record, bad)


def test_invented_item_and_drug_are_caught(basic: tuple[LetterRecord, str]) -> None:
    record, text = basic
    bad = text.replace(
        "## What you can do now",
        '### Request 3: "Norco 10/325"\n\nThis is approved.\n\n## What you can do now',
    )
    assert "Request 3 is not an item of the letter" in problems(record, bad)
    bad = text.replace("**Why:** ", "**Why:** Your Norco dose of 40 mg was too high. ", 1)
    assert problems(record, bad) == ["'40' is not in the letter", "'Norco' is not in the letter"]


def test_too_hard_to_read_is_caught(basic: tuple[LetterRecord, str]) -> None:
    record, text = basic
    jargon = (
        "Notwithstanding the aforementioned utilization review determination, the independent medical reviewer "
        "substantively corroborated contraindications necessitating nonauthorization of interventional modalities. "
    )
    bad = text.replace("## What you can do now", jargon * 12 + "\n\n## What you can do now")
    checks = check_summary(bad, build_summary(record), record)
    assert any(n.startswith("reading grade") for n in checks.notes)  # reported as a target missed ...
    assert not any(p.startswith("reading grade") for p in checks.problems)  # ... never as a reason not to rely on it


def test_a_failed_summary_says_so_at_the_top(basic: tuple[LetterRecord, str]) -> None:
    record, _ = basic
    summary = build_summary(record)
    failing = render_text(summary, Format.MD, ["item 1 is missing"])
    assert failing.startswith("**WARNING: this summary failed its safety checks (item 1 is missing).")
    assert "failed its safety checks" in render_html(summary, ["item 1 is missing"])


# -- reasons, kinds, partial approvals, care already given, safety ----------------------------


def test_reason_quotes_the_reviewer_and_says_it_plainly() -> None:
    summary = build_summary(parse_text(make_letter(DENIED_PT, APPROVED_MRI)))
    denied, approved = summary.items
    assert denied.reason.topic == "functional_improvement" and not denied.reason.quoted
    assert denied.reason.sentences[0].startswith("The patient has had 10 prior sessions")
    assert denied.reason.text == (
        "The reviewer found that you have had 10 prior sessions, and there is no record of measured improvement in "
        "what you can do with them."
    )
    assert [p.source for p in denied.reason.plain] == denied.reason.sentences
    assert denied.next_step.startswith("If your doctor asks again, a new request could include records of measured")
    assert approved.reason.topic == "clinical_findings"
    assert approved.reason.text == (
        "The reviewer found that the records document weakness and decreased sensation in the left leg."
    )
    assert approved.next_label == "What happens next:" and "within 5 working days" in approved.next_step


def test_reason_evidence_points_into_the_input_text() -> None:
    text = make_letter(DENIED_PT)
    record = parse_text(text)
    reason = build_summary(record).items[0].reason
    assert reason.evidence and len(reason.evidence) == len(reason.sentences)
    span = reason.evidence[0]
    assert " ".join(text[span.start : span.end].split()) == reason.sentences[0]


def test_no_plain_reason_when_unsure_quotes_the_reviewer() -> None:
    vague = Item(
        "Heating pad", "Upheld", "The reviewer considered the request. The request is not medically necessary."
    )
    item = build_summary(parse_text(make_letter(vague))).items[0]
    assert item.reason.quoted and item.reason.plain == []
    assert item.reason.text == get_language("en").quoted_reason(False)
    redundant = Item(
        "Heating pad", "Upheld", "The heating pad was already supplied, so it would be redundant to authorize it again."
    )
    item = build_summary(parse_text(make_letter(redundant))).items[0]
    assert item.reason.quoted and item.reason.text == "Here is the reason in the reviewer's own words."
    assert item.reason.sentences == [redundant.rationale]


@pytest.mark.parametrize(
    ("wording", "kind"),
    [
        ("Spine surgery evaluation", "a visit with a doctor"),
        ("Consultation with orthopedic surgeon for hip replacement", "a visit with a doctor"),
        ("Second opinion, spine surgeon", "a visit with a doctor"),
        ("Myofascial release 6 sessions", "therapy visits"),
        ("Right carpal tunnel release", "a surgery"),
        ("Left knee arthroscopy", "a surgery"),
        ("Post-operative physical therapy 12 sessions", "a service that goes with a surgery"),
    ],
)
def test_treatment_kinds(wording: str, kind: str) -> None:
    item = build_summary(parse_text(make_letter(Item(wording, "Upheld", DENIED_PT.rationale)))).items[0]
    assert item.kind == f"This is a request for {kind}."


def test_linked_service_only_when_named_and_not_approved() -> None:
    ancillary = (
        "As the requested surgical intervention is not medically necessary, the requested ancillary service is not "
        "medically necessary."
    )
    surgery_denied = Item("Left knee arthroscopy", "Upheld", DENIED_PT.rationale)
    surgery_approved = Item("Left knee arthroscopy", "Overturned", APPROVED_MRI.rationale)
    brace = Item("Associated surgical service: knee brace", "Upheld", ancillary)
    denied = build_summary(parse_text(make_letter(surgery_denied, brace))).items[1]
    assert denied.reason.topic == "linked_service"
    assert denied.reason.text == "This goes with a surgery that was not approved. So this was not approved either."
    contradicted = build_summary(parse_text(make_letter(surgery_approved, brace))).items[1]
    assert "not approved" not in contradicted.reason.text and contradicted.reason.quoted
    # and never for the surgery itself
    surgery = build_summary(parse_text(make_letter(surgery_denied))).items[0]
    assert "goes with" not in surgery.reason.text


def test_care_already_given_is_about_paying() -> None:
    retro = Item("Retrospective CT scan of the thoracic spine (DOS 11/18/16)", "Overturned", APPROVED_MRI.rationale)
    item = build_summary(parse_text(make_letter(retro))).items[0]
    assert item.already_given == (
        "This request was about care you already got on November 18, 2016. The review decided whether it will be "
        "paid for."
    )
    assert "pay for this care within 20 days" in item.next_step
    es = build_summary(parse_text(make_letter(retro)), "es").items[0]
    assert "ya recibió el 18 de noviembre de 2016" in (es.already_given or "")
    assert summarize(parse_text(make_letter(retro)), "es").checks.passed


def test_partial_approval_gives_the_numbers_when_they_add_up() -> None:
    heading = (
        "Aquatic therapy 16 sessions was the original request. Aquatic therapy 14 sessions was authorized by "
        "the Claims Administrator. The remaining IMR eligible portion of the original request, Aquatic therapy "
        "2 sessions is:"
    )
    partial = Item("Aquatic therapy 2 sessions", "Upheld", DENIED_PT.rationale, heading=heading)
    record = parse_text(make_letter(partial))
    item = build_summary(record).items[0]
    assert item.partial is not None
    assert '"Aquatic therapy 14 sessions". That part stays approved.' in item.partial
    assert "Your doctor asked for 16 sessions. Of these, 14 sessions had been approved" in item.partial
    assert "the other 2 sessions." in item.partial
    assert item.decision_line == "Decision on the rest: Upheld. This is not approved."
    assert summarize(record, "en").checks.passed and summarize(record, "es").checks.passed
    # Spanish: "Esta solicitud no fue aprobada" right after "Una parte se aprobó" read as the whole request
    es = build_summary(record, "es")
    assert es.items[0].decision_line == "Decisión sobre el resto: Upheld (confirmada). El resto no fue aprobado."
    page = render_text(es, Format.MD)
    assert check_summary(page, es, record).passed
    # and the checks still catch the rest said the wrong way round
    wrong = page.replace("El resto no fue aprobado.", "El resto fue aprobado.")
    assert wrong != page and not check_summary(wrong, es, record).passed


@pytest.mark.parametrize("drug", ["Norco 10/325 #60", "Xanax 1mg #30", "Tramadol 50mg #90"])
def test_denied_opioid_or_benzodiazepine_gets_the_taper_line(drug: str) -> None:
    taking = "The patient has been taking this medication for months. " + DENIED_PT.rationale
    item = build_summary(parse_text(make_letter(Item(drug, "Upheld", taking)))).items[0]
    assert item.taper_warning == "Do not stop this medicine suddenly. Ask your doctor about lowering the dose slowly."
    unsaid = build_summary(parse_text(make_letter(Item(drug, "Upheld", DENIED_PT.rationale)))).items[0]
    assert unsaid.taper_warning == "If you already take this medicine, do not stop it suddenly. Ask your doctor."
    approved = build_summary(parse_text(make_letter(Item(drug, "Overturned", APPROVED_MRI.rationale)))).items[0]
    assert approved.taper_warning is None


def test_the_letters_weaning_statement_is_said_plainly() -> None:
    rationale = DENIED_PT.rationale + (
        " This decision should not be interpreted as a recommendation to stop long-term opioids abruptly."
    )
    item = build_summary(parse_text(make_letter(Item("Oxycodone 10mg #90", "Upheld", rationale)))).items[0]
    assert item.taper_warning is not None and "does not mean you should stop it all at once" in item.taper_warning


def test_an_unreadable_decision_is_said_plainly() -> None:
    record = parse_text(make_letter(Item("Home exercise kit", "", "The kit was reviewed.")))
    assert record.disputed_items[0].decision is None and record.needs_review
    summary = build_summary(record)
    assert summary.items[0].decision_line == "Decision: we could not read it."
    assert "We could not read its decision. Please check the letter." in summary.opening
    assert "Could not read - check the letter" in render_html(summary)


# -- letter text is data, never markup -------------------------------------------------------


def test_markdown_and_html_in_a_letter_stay_text() -> None:
    evil = Item(
        "[your claim was approved, click here](javascript:alert(1)) ![](https://x.test/p.png) <b>x</b>",
        "Upheld",
        DENIED_PT.rationale,
    )
    summary = build_summary(parse_text(make_letter(evil)))
    page = render_html(summary)
    assert "javascript:" not in page.replace("[your claim was approved, click here](javascript:", "")
    assert '<a href="javascript' not in page and "<img" not in page and "<b>x</b>" not in page
    md = render_text(summary)
    assert "\\[your claim was approved, click here\\](javascript:alert(1))" in md
    assert "!\\[\\](https://x.test/p.png)" in md and "\\<b\\>x\\</b\\>" in md


@pytest.mark.parametrize("lang", ["en", "es"])
def test_markup_in_the_missing_thing_stays_text_in_the_next_step_too(lang: str) -> None:
    """A hostile tester: the Why and the quote escaped a letter's markup, the "What could change this" line that
    repeats the missing thing did not (raw HTML and a live javascript: link in NAME.en.md)."""
    evil = Item(
        "MRI of the lumbar spine",
        "Upheld",
        "The attending provider failed to document </textarea><svg onload=alert(4)> deficits or "
        "[a link](javascript:alert(5)).",
    )
    md = render_text(build_summary(parse_text(make_letter(evil)), lang))
    assert re.search(r"(?<!\\)<(?:svg|/textarea)|(?<!\\)\]\(javascript:", md) is None
    assert "\\<svg onload=alert(4)\\>" in md and "\\[a link\\](javascript:alert(5))" in md


# -- the LLM rewrite of reasons (FAKE server: unit test of the accept/reject logic) -----------


def client_for(server_url: str) -> LLMClient:
    return LLMClient(LLMConfig(base_url=server_url, model=MODEL, reasks=0, max_wait_s=1.0, transport_attempts=1))


def test_a_faithful_rewrite_is_used_FAKE_SERVER() -> None:
    record = record_of("synth-2016-basic")
    rewrite = {
        "items": [
            {
                "number": 1,
                "reason": "The reviewer found that the request for 12 sessions exceeds the recommended initial trial. "
                "There is no record of a prior course of therapy or of its results.",
            },
            {
                "number": 2,
                "reason": "The reviewer found that you have persistent pain, weakness with abduction and a positive "
                "impingement sign despite more than eight weeks of rest and anti-inflammatory medication.",
            },
        ]
    }
    with fake_server(Behaviour("ok", rewrite)) as server:
        outcome = summarize(record, "en", client_for(server.base_url), load_prompt("summary"))
        sent = json.dumps(server.requests[0]["messages"])
    assert outcome.rejected == []
    assert outcome.summary.source == "llm" and outcome.checks.passed
    assert outcome.summary.items[0].reason.source == "llm"
    assert "There is no record of a prior course of therapy" in render_text(outcome.summary)
    assert "Examination showed tenderness" not in sent  # the model sees the reason sentences, not the letter


def test_an_unfaithful_rewrite_is_rejected_and_the_offline_summary_used_FAKE_SERVER() -> None:
    record = record_of("synth-2016-basic")
    rewrite = {"items": [{"number": 1, "reason": "It is approved, so you can start your 24 visits of Norco."}]}
    with fake_server(Behaviour("ok", rewrite)) as server:
        outcome = summarize(record, "en", client_for(server.base_url), load_prompt("summary"))
    assert outcome.summary.source == "offline" and outcome.checks.passed
    reasons = " | ".join(outcome.rejected)
    assert "no reason for item 2" in reasons
    assert "item 1: the reason states a decision" in reasons
    assert "item 1: '24' is not in the reviewer's sentences" in reasons
    assert "item 1: 'Norco' is not in the reviewer's sentences" in reasons


# -- formats ----------------------------------------------------------------------------------


def test_json_format_carries_reasons_and_checks() -> None:
    record = record_of("synth-2016-basic")
    outcome = summarize(record, "es")
    data = json.loads(render(outcome.summary, Format.JSON, outcome.checks.model_dump(mode="json")))
    assert data["summary"]["lang"] == "es" and data["checks"]["passed"] is True
    items = data["summary"]["items"]
    assert [i["decision"] for i in items] == ["upheld", "overturned"]
    for item in items:
        reason = item["reason"]
        assert set(reason) >= {"topic", "sentences", "evidence", "text"}
        assert reason["sentences"] and len(reason["evidence"]) == len(reason["sentences"])


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
        "Approved (Overturned)",
        "Not approved (Upheld)",
        "Decision: Overturned. This is approved.",
        "What you can do now",
        'href="https://www.dir.ca.gov/dwc/"',
        "not legal advice",
    ):
        assert expected in dom
    assert dom.index('class="glance"') < dom.index("What was decided")  # the table comes first


def test_cli_writes_summaries_and_their_checks(tmp_path: Path) -> None:
    files = [str(SAMPLES / "synth-2016-basic.txt"), str(SAMPLES / "synth-2013-notice.txt")]
    result = run_cli("summarize", *files, "--out", str(tmp_path), "--lang", "es", "--format", "html")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "synth-2013-notice.es.checks.json",
        "synth-2013-notice.es.html",
        "synth-2016-basic.es.checks.json",
        "synth-2016-basic.es.html",
    ]
    assert json.loads((tmp_path / "synth-2016-basic.es.checks.json").read_text())["passed"] is True
    assert len(result.stderr.splitlines()) == 2 and "summary checks passed" in result.stderr


def test_cli_refuses_an_unknown_language() -> None:
    result = run_cli("summarize", str(SAMPLES / "synth-2016-basic.txt"), "--lang", "fr")
    assert result.returncode == 2
    assert result.stderr.strip() == "imr-llm: unknown summary language 'fr'; available: en, es"


@needs_shared
def test_dev_letters_summaries_pass_in_every_language() -> None:
    pages = []
    for path in sorted(DEV.glob("*.txt")):
        record = parse_text(path.read_text())
        for lang in LANGUAGES:
            outcome = summarize(record, lang)
            checks = outcome.checks
            assert checks.passed, (path.name, lang, checks.problems)
            assert checks.ease is None or checks.ease >= 70.0
            assert checks.grade is None or checks.grade <= 8.0
            if lang == "en":
                pages.append(page_grade(outcome.summary.render("txt")))
    # the whole page as a worker reads it, the reviewer's quoted words included
    assert statistics.median(pages) <= 7.0 and max(pages) <= 9.0, (statistics.median(pages), max(pages))


def test_the_rewrite_goes_through_the_cache_and_the_call_log_FAKE_SERVER(tmp_path: Path) -> None:
    from imr_llm.llm.cache import ResponseCache

    record = record_of("synth-2016-basic")
    rewrite = {
        "items": [
            {
                "number": 1,
                "reason": "The reviewer found that the request for 12 sessions exceeds the recommended initial trial. "
                "There is no record of a prior course of therapy or of its results.",
            },
            {
                "number": 2,
                "reason": "The reviewer found that you have persistent pain, weakness with abduction and a positive "
                "impingement sign despite more than eight weeks of rest and anti-inflammatory medication.",
            },
        ]
    }
    cache = ResponseCache(tmp_path / "cache.sqlite")
    with fake_server(Behaviour("ok", rewrite)) as server:
        first = summarize(record, "en", client_for(server.base_url), load_prompt("summary"), cache)
        second = summarize(record, "en", client_for(server.base_url), load_prompt("summary"), cache)
        assert len(server.requests) == 1  # the second answer came from the cache
    assert first.summary == second.summary and second.summary.source == "llm"
    calls = cache.calls()
    assert [c["cached"] for c in calls] == [0, 1] and all(c["prompt"] == "summary@4" for c in calls)


@pytest.mark.parametrize(
    ("lang", "one", "three"),
    [
        ("en", "read from the 1 page we were given", "read from the 3 pages we were given"),
        ("es", "leído de la única página que recibimos", "leído de las 3 páginas que recibimos"),
    ],
)
def test_the_summary_says_how_many_pages_it_was_read_from(tmp_path: Path, lang: str, one: str, three: str) -> None:
    """A page left out of a scan, a fax or the photos (between two whole requests) leaves a letter that reads
    as whole: the page says how many pages it was read from, so a worker holding more sees it. A letter
    given as text has no pages, and the line says nothing of them."""
    from imr_llm import parse
    from tests.pdfs import make_pdf

    text = make_letter(DENIED_PT, APPROVED_MRI)
    lines = text.split("\n")
    third = len(lines) // 3
    pages = ["\n".join(lines[:third]), "\n".join(lines[third : 2 * third]), "\n".join(lines[2 * third :])]
    whole = make_pdf("\f".join(pages), tmp_path / "a.pdf")
    single = make_pdf(text, tmp_path / "b.pdf")
    assert parse(whole).source.pages == 3 and parse(single).source.pages == 1
    assert len(parse(whole).disputed_items) == 2
    assert three in (build_summary(parse(whole), lang).case_line or "")
    assert one in (build_summary(parse(single), lang).case_line or "")
    assert three in summarize(parse(whole), lang).summary.render("md")
    from_text = build_summary(parse_text(text), lang).case_line or ""
    assert from_text and "page" not in from_text and "gina" not in from_text


@pytest.mark.parametrize(
    ("lang", "inside", "outside"),
    [
        (
            "en",
            "5 more days if your address is in California (35 days in all)",
            "outside California, you get more time",
        ),
        (
            "es",
            "5 días más si su dirección está en California (35 días en total)",
            "fuera de California, tiene más tiempo",
        ),
    ],
)
def test_the_appeal_deadline_gives_the_mailing_extension_by_where_the_worker_lives(
    lang: str, inside: str, outside: str
) -> None:
    """A reader (a paralegal) noted that the 5 days added for mailing hold for a California address only;
    outside California, Code of Civil Procedure 1013(a) adds more. The page said 35 days for everyone. No new
    number is written: a number in our own wording is one the checks could no longer catch as invented."""
    denied = parse_text((SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8"))
    page = render_text(build_summary(denied, lang), Format.MD, [])
    assert inside in page and outside in page
