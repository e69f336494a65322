"""The twenty-seventh hostile probe's cases, each tested both ways (the wrong output it must not produce, and the
right one). All letters here are synthetic."""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_llm.parser import parse_text
from tests.conftest import SAMPLES

BASIC = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
IN_ITEM_1 = "The request for 12 sessions exceeds"  # a sentence of the first item's rationale, at a line's start

# -- R09: a sentence that names another letter's opening words cut the letter there ---------------------------


@pytest.mark.parametrize(
    "mention",
    [
        "An earlier Notice of Independent Medical Review Determination dated 1/1/2015 was read. ",
        "\nCase Number: CM15-0000001 was an earlier review of this claim. ",
        "\nMEDICAL PROFESSIONAL REVIEW notes from 2015 were read. ",
        "\nHOW THE IMR FINAL DETERMINATION WAS MADE was explained to the claimant. ",
    ],
)
def test_a_rationale_naming_another_letters_opening_words_keeps_every_item(mention: str) -> None:
    # wrong before (the probe): the file was taken as two letters, cut inside the first item's rationale, and the
    # approved second item vanished from the worker's page ("one request ... not approved")
    record = parse_text(BASIC.replace(IN_ITEM_1, mention + IN_ITEM_1, 1))
    assert [i.decision for i in record.disputed_items] == ["upheld", "overturned"]
    assert not any("letters" in w for w in record.warnings)


def test_two_letters_in_one_file_are_still_told_apart() -> None:
    # right: a second letter, opening on its own line, is noticed and only the first is read, of the same layout
    # or of another; wrong before: a second 2016 letter opening a page of its own had its "Case Number:" line blanked
    # as a running line, and both letters' items were read as one letter's, with no case number
    for second in ("synth-2016-partial.txt", "synth-2014.txt", "synth-2013-notice.txt"):
        for joined in (BASIC.rstrip("\f\n") + "\n\n", BASIC):  # the second on the same page, or on a page of its own
            record = parse_text(joined + (SAMPLES / second).read_text(encoding="utf-8"))
            assert [i.decision for i in record.disputed_items] == ["upheld", "overturned"], second
            assert any("the file holds 2 letters" in w for w in record.warnings), (second, record.warnings)
            assert record.case_number == "CM16-0900101"


# -- R23: an approval explained by the concern the reviewer set aside -------------------------------------------

_SHOULDER = (
    "In this case, the injured worker has\npersistent pain, weakness with abduction and a positive impingement sign "
    "despite more than\neight weeks of rest and anti-inflammatory medication."
)


def _approval_reason(rationale_part: str) -> str:
    from imr_llm.summary.summarize import summarize

    assert _SHOULDER in BASIC
    record = parse_text(BASIC.replace(_SHOULDER, rationale_part, 1))
    item = summarize(record, "en").summary.items[1]
    assert record.disputed_items[1].decision == "overturned"
    finding = record.disputed_items[1].reason
    return item.reason.text + " " + " ".join(finding.sentences if finding else [])


@pytest.mark.parametrize(
    "opener", ["Regardless,", "Notwithstanding this,", "Be that as it may,", "This does not change the outcome, as",
               "That being said,", "Despite the above,"]
)  # fmt: skip
def test_an_approval_is_not_explained_by_a_concern_the_reviewer_set_aside(opener: str) -> None:
    # wrong before (the probe): "No x-rays were documented. Regardless, ..." gave the approval's Why "The reviewer
    # found that no x-rays were recorded"
    reason = _approval_reason(f"No x-rays of the shoulder were documented. {opener} the injured worker has weakness "
                              "with abduction and a positive impingement sign.")  # fmt: skip
    assert "x-ray" not in reason.lower()
    assert "weakness" in reason  # right: the point the reviewer decided on


def test_a_finding_not_set_aside_is_still_the_approvals_reason() -> None:
    # right: without a word setting it aside, the finding the approval rests on is given
    reason = _approval_reason("The injured worker has weakness with abduction and a positive impingement sign.")
    assert "weakness" in reason


# -- R20: "no record of X, and <a finding>": the finding is no missing thing ---------------------------------------


@pytest.mark.parametrize(
    ("clause", "marker"),
    [("and the claimant is improving with therapy", "improving"), ("and he has already had a cervical MRI", "cervical"),
     ("but the patient reports less pain", "less pain")],
)  # fmt: skip
def test_a_clause_after_the_missing_thing_is_not_part_of_it(clause: str, marker: str) -> None:
    from imr_llm.summary.restate import restate
    from imr_llm.summary.summarize import summarize

    sentence = f"There was a lack of documentation of failed conservative care, {clause}."
    r = restate(sentence, "upheld", "MRI")
    # wrong before (the probe): the clause was read as missing too ("records of failed simpler care, and you are
    # improving with therapy"; in Spanish, no record of the improvement the reviewer reported)
    assert r is None or r.slots["x"] == "failed conservative care"
    part = "The request for 12 sessions exceeds"
    record = parse_text(BASIC.replace(part, sentence + " " + part, 1))
    for lang in ("en", "es"):
        item = summarize(record, lang).summary.items[0]
        said = item.reason.text + " " + item.next_step
        assert marker not in said, (lang, said)


def test_a_second_missing_thing_after_and_stays_missing() -> None:
    from imr_llm.summary.restate import restate

    # right: "and of its results" has no subject or verb of its own: still the missing thing
    r = restate("There was a lack of documentation of a prior course of therapy, and of its results.", "upheld", "PT")
    assert r is not None and r.slots["x"] == "a prior course of therapy, and of its results"


# -- R21: a heading with no decision word decided from a closing the reviewer quotes -------------------------------


def _no_word_heading(closing_before: str) -> str | None:
    start = BASIC.index("Decision rationale: Yes, the requested MRI")
    rationale = (
        "Decision rationale: The guidelines support imaging of the shoulder when a rotator cuff tear is suspected. "
        f"There is no documentation of weakness on the examination. {closing_before}Therefore, the MRI of the right "
        "shoulder without contrast is medically necessary.\n"
    )
    text = BASIC[:start].replace("without contrast: Overturned", "without contrast:") + rationale
    return parse_text(text).disputed_items[1].decision


@pytest.mark.parametrize(
    "announce",
    ["I cannot agree with the following statement from the requesting provider. ",
     "It would be incorrect to conclude the following. ",
     "The treating physician's appeal letter concluded as follows: "],
)  # fmt: skip
def test_a_closing_the_reviewer_quotes_decides_nothing(announce: str) -> None:
    # wrong before (the probe): "Decision: Overturned. This is approved", from the provider's words the reviewer
    # rejected; the decision is left unread instead, and the page says so
    assert _no_word_heading(announce) is None


def test_the_reviewers_own_plain_closing_still_decides_a_heading_with_no_word() -> None:
    assert _no_word_heading("") == "overturned"  # right: the reviewer's own closing, stated outright


# -- R17: a heading against its rationale's conclusion: the other decision's reasons are not restated --------------


def _first_item_reason(heading_word: str) -> tuple[str | None, str]:
    from imr_llm.summary.summarize import summarize

    s = BASIC.index("Decision rationale: The MTUS guidelines support a short course")
    e = BASIC.index("MRI of the right shoulder without contrast: Overturned")
    rationale = (
        "Decision rationale: Here, the injured worker was said to have lasting leg symptoms from a pinched lumbar "
        "nerve. The therapy asked for, thus, went against the MTUS guidelines on therapy visits. Therefore, the "
        "request is not medically necessary.\n"
    )
    record = parse_text((BASIC[:s] + rationale + BASIC[e:]).replace("\nUpheld\n", f"\n{heading_word}\n", 1))
    return record.disputed_items[0].decision, summarize(record, "en").summary.items[0].reason.text


def test_an_approval_whose_rationale_denies_is_not_explained_by_the_denials_reasons() -> None:
    decision, why = _first_item_reason("Overturned")
    assert decision is None  # the heading's word and the rationale's verdict disagree: no decision stated, said
    # wrong before (the probe): "The reviewer found that the therapy asked for, thus, went against the MTUS
    # guidelines" as an approval's Why; the reviewer's words are quoted instead, beside the warning
    assert not why.startswith("The reviewer found") and "went against" not in why
    # right: an approval whose rationale agrees with it is still explained in plain words
    from imr_llm.summary.summarize import summarize

    approved = summarize(parse_text(BASIC), "en").summary.items[1]
    assert approved.reason.text.startswith("The reviewer found") and "weakness" in approved.reason.text


# -- R18: a ban on the patients who lack something is a condition, not a ban -------------------------------------


def _shoulder_denied_step(sentence: str) -> str:
    from imr_llm.summary.summarize import summarize

    start = BASIC.index("Decision rationale: Yes, the requested MRI")
    text = BASIC[:start] + f"Decision rationale: {sentence} Therefore, the request is not medically necessary.\n"
    record = parse_text(text.replace("without contrast: Overturned", "without contrast: Upheld"))
    assert record.disputed_items[1].decision == "upheld"
    return summarize(record, "en").summary.items[1].next_step


@pytest.mark.parametrize(
    "condition",
    ["for patients who have not failed conservative care, and this claimant has not tried physical therapy",
     "for patients without neurologic deficits, and the claimant has none documented",
     "for patients lacking objective findings, and the claimant has none documented"],
)  # fmt: skip
def test_a_ban_on_patients_who_lack_something_is_not_told_as_hopeless(condition: str) -> None:
    # wrong before (the probe): "Asking again with more records is not likely to change that", where records of
    # the condition met could
    assert "not likely to change" not in _shoulder_denied_step(f"MRI of the shoulder is not recommended {condition}.")


def test_a_ban_with_no_condition_is_still_told_as_one() -> None:
    # right: the guideline rules the request out for this condition
    assert "not likely to change" in _shoulder_denied_step("MRI of the shoulder is not recommended for this condition.")


def test_a_prior_case_number_in_the_case_summary_keeps_the_letter_readable() -> None:
    # wrong before (the probe, R08): "(Case Number: CM15-0000001)" in a sentence cut the letter before its items:
    # "no disputed item could be read", exit 1, no record
    opening = "The injured worker is a 47 year old male"
    record = parse_text(BASIC.replace(opening, "A prior review (Case Number: CM15-0000001) was noted.\n" + opening, 1))
    assert [i.decision for i in record.disputed_items] == ["upheld", "overturned"]
    assert record.case_number == "CM16-0900101"  # right: the letter's own number, from its header


# -- R19: a short key or a URL password spelled out by a server's error -----------------------------------------


@pytest.mark.parametrize("secret", ["Tok3n4Local", "pa55SECRET", "abc123"])
def test_a_short_secret_spelled_out_in_an_error_is_removed(secret: str) -> None:
    from imr_llm.llm.config import scrub_error

    spelled = "credential was: " + " ".join(secret)
    # wrong before (the probe): keys under 12 characters came through whole on stderr, in llm.error and the log
    assert " ".join(secret) not in scrub_error(spelled, secret)
    assert " ".join(secret[:4]) not in scrub_error(spelled, secret)
    # right: a message that does not hold the key keeps its words
    assert scrub_error("model f a k e is not served", secret) == "model f a k e is not served"


# -- R10, R11: one join made a 100 MB prompt, or a MemoryError -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ('{{ range(100000)|list|join("y" * 999) }}', "join past"),  # was: a 100 MB prompt, sent to the server
        ('{{ range(100000)|list|join("x" * 73000) }}', "join past"),  # was: internal error (MemoryError), exit 70
        ('{% set ns = namespace(s="ab") %}{% for i in range(21) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}',
         "longer than"),  # 4 MB: under the memory bound, over the longest message a prompt may render
        ("Read it. {{ range(5)|join(', ') }} {{ letter[:6] }}", None),  # right: a join a prompt may use
    ],
)  # fmt: skip
def test_a_template_that_renders_a_huge_prompt_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, refused: str | None
) -> None:
    from tests.test_probe25 import test_a_prompt_template_that_runs_away_is_refused as check

    if refused is None:
        import shutil

        from imr_llm.llm.prompts import load_prompt
        from tests.conftest import REPO

        root = tmp_path / "prompts"
        shutil.copytree(REPO / "prompts", root)
        shutil.copytree(root / "extract" / "1", root / "extract" / "9")
        toml = root / "extract" / "9" / "prompt.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('version = "1"', 'version = "9"'), encoding="utf-8")
        (root / "extract" / "9" / "system.j2").write_text(body + "\n", encoding="utf-8")
        monkeypatch.setenv("IMR_LLM_PROMPTS", str(root))
        assert load_prompt("extract@9").render("LETTER TEXT").messages[0]["content"] == "Read it. 0, 1, 2, 3, 4 LETTER"
    else:
        check(tmp_path, monkeypatch, body, refused)


# -- R16: a doubt about a header value the worker's page never states stays off that page ------------------------


def test_a_header_layout_doubt_reaches_the_page_only_for_a_value_the_page_states() -> None:
    from imr_llm.summary.summarize import summarize

    record = parse_text(BASIC)
    doubt = "{}: its label was not found in the header's layout; check it against the letter"
    record.warnings.extend([doubt.format("application_received_date"), doubt.format("case_number")])
    shown = " ".join(summarize(record, "en").summary.warnings)
    # wrong before (the probe): the application date's doubt was on a clean scan's page, which never states that date
    assert "application_received_date" not in shown and "application received" not in shown.lower()
    assert "case number" in shown  # right: the case number is on the page, and so is its doubt


# -- R01, R02, R04, R07, R12, R14, R15: Spanish rewrites that flip the reviewer, and one faithful that was refused ----


def _es_item(k: int, rationale: str) -> tuple[object, object]:
    from imr_llm.summary.build import build_summary
    from imr_llm.summary.languages import get_language

    if k == 1:
        start = BASIC.index("Decision rationale: Yes, the requested MRI")
        text = BASIC[:start] + rationale
    else:
        start = BASIC.index("Decision rationale: The MTUS guidelines support a short course")
        text = (
            BASIC[:start] + rationale + BASIC[BASIC.index("MRI of the right shoulder without contrast: Overturned") :]
        )
    return build_summary(parse_text(text), "es").items[k], get_language("es")


_APPROVED = (
    "Decision rationale: The guidelines support imaging of the shoulder when nerve signs persist. Here the records "
    "give indication of nerve dysfunction that has not necessarily resolved, and this supports the MRI. Therefore, "
    "the MRI of the right shoulder without contrast is medically necessary.\n"
)
_ES_APPROVED = (
    "El revisor encontró que hay indicios de problemas de los nervios que no necesariamente se han resuelto, y esto "
    "apoya la resonancia magnética."
)
_DENIED = (
    "Decision rationale: There is no documentation of nerve deficits on the examination. The worker's mental state "
    "was not abnormal. Therefore, the request is not medically necessary.\n"
)
_ES_DENIED = (
    "El revisor encontró que no hay documentación de problemas de los nervios en el examen. El revisor encontró que "
    "su estado mental no era anormal."
)


@pytest.mark.parametrize(
    ("k", "rewrite"),
    [
        (1, _ES_APPROVED.replace("que hay indicios", "que no hay indicios").replace("no necesariamente se", "se")),
        (1, _ES_APPROVED.replace("y esto apoya", "y esto no necesariamente apoya")),  # R07: the denial moved
        (1, _ES_APPROVED.replace("hay indicios", "hay pocos indicios")),  # R04, R14: a smaller finding
        (0, _ES_DENIED.replace("no hay documentación", "no faltan documentos")),  # R02: the lack denied
        (0, _ES_DENIED.replace("no era anormal", "no era normal")),  # R12: "abnormal" said as "not normal"
        (0, _ES_DENIED.replace("en el examen.", "en el examen todavía.")),  # R22: "not yet": the records will come
        (1, _ES_APPROVED.replace("no necesariamente se han", "no se han")),  # R06: "necessarily" dropped
    ],
)
def test_a_spanish_rewrite_that_turns_the_reviewers_finding_round_is_refused(k: int, rewrite: str) -> None:
    from imr_llm.summary.rewrite import reason_problems

    item, language = _es_item(k, _APPROVED if k == 1 else _DENIED)
    # wrong before (the probe): each accepted, the page saying the opposite of the reviewer, in Spanish
    assert reason_problems(rewrite, item, language)  # type: ignore[arg-type]


@pytest.mark.parametrize(("k", "rewrite"), [(1, _ES_APPROVED), (0, _ES_DENIED)])
def test_a_faithful_spanish_rewrite_of_those_sentences_passes(k: int, rewrite: str) -> None:
    from imr_llm.summary.rewrite import reason_problems

    item, language = _es_item(k, _APPROVED if k == 1 else _DENIED)
    assert reason_problems(rewrite, item, language) == []  # type: ignore[arg-type]


def test_bid_said_as_twice_a_day_is_no_new_number() -> None:
    from imr_llm.summary.rewrite import reason_problems

    rationale = (
        "Decision rationale: The claimant reported less pain with naproxen 550 mg bid for two months. Therefore, "
        "the MRI of the right shoulder without contrast is medically necessary.\n"
    )
    item, language = _es_item(1, rationale)
    faithful = (
        "El revisor encontró que usted reportó menos dolor con naproxeno 550 mg dos veces al día durante dos meses."
    )
    # wrong before (the probe, a false alarm): "gives a number the reviewer did not (2)"; the offline page itself says
    # "twice a day"
    assert not any("number" in p for p in reason_problems(faithful, item, language))  # type: ignore[arg-type]
    # right: a count the reviewer never gave is still refused
    assert any("number" in p for p in reason_problems(faithful.replace("dos veces", "tres veces"), item, language))  # type: ignore[arg-type]
