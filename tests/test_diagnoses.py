"""Diagnoses: whole names, splitting rules that generalise, ICD-10-CM codes that are never guessed.

Each case is a wording seen in real letters (rewritten, not copied); the wrong outputs listed are
the ones earlier rules produced."""

from __future__ import annotations

import pytest

from imr_llm.icd10 import icd10_index, lookup_key
from imr_llm.parser import parse_text
from imr_llm.parser.diagnoses import split_diagnoses, with_codes
from tests.conftest import SAMPLES
from tests.letters import DENIED_PT, make_letter

INDEX = icd10_index()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # official names with commas or "and" stay whole
        (
            "other intervertebral disc displacement, lumbosacral region, and lumbar radiculopathy",
            ["other intervertebral disc displacement, lumbosacral region", "lumbar radiculopathy"],
        ),
        (
            "right hand contusion, dizziness and giddiness, and concussion",
            ["right hand contusion", "dizziness and giddiness", "concussion"],
        ),
        (
            "strain of muscle, fascia and tendon of lower back, subsequent encounter; sciatica",
            ["strain of muscle, fascia and tendon of lower back, subsequent encounter", "sciatica"],
        ),
        ("radiculopathy, lumbosacral region and low back pain", ["radiculopathy, lumbosacral region", "low back pain"]),
        # a qualifier belongs to the diagnosis before it
        ("lumbar muscle strain, subsequent and neck pain", ["lumbar muscle strain, subsequent", "neck pain"]),
        (
            "thoracic strain, subsequent encounter and sciatica of right side",
            ["thoracic strain, subsequent encounter", "sciatica of right side"],
        ),
        # sites and sides shared by one condition
        ("strain in right hip, ankle, and foot", ["strain in right hip, ankle, and foot"]),
        ("right and left shoulder joint sprain", ["right and left shoulder joint sprain"]),
        ("neck, back and shoulder pain", ["neck, back and shoulder pain"]),
        (
            "cervical, thoracic and lumbar paraspinal strain",
            ["cervical, thoracic and lumbar paraspinal strain"],
        ),
        (
            "abrasion of face, scalp and neck and acute cervical strain",
            ["abrasion of face, scalp and neck", "acute cervical strain"],
        ),
        ("lumbago and left and right sided sciatica", ["lumbago", "left and right sided sciatica"]),
        ("wrist tendinitis and bursitis", ["wrist tendinitis and bursitis"]),
        (
            "right ankle and heel pain and injury, plantar fasciitis",
            ["right ankle and heel pain and injury", "plantar fasciitis"],
        ),
        ("sprain and strain of the lumbar spine", ["sprain and strain of the lumbar spine"]),
        # two conditions joined by "and" are two
        ("hypertension and dyslipidemia", ["hypertension", "dyslipidemia"]),
        (
            "cervical strain and bulging of the cervical intervertebral disc",
            ["cervical strain", "bulging of the cervical intervertebral disc"],
        ),
        ("low back pain and insomnia", ["low back pain", "insomnia"]),
        (
            "lateral subluxation of left patella and sprain of deltoid ligament of left ankle",
            ["lateral subluxation of left patella", "sprain of deltoid ligament of left ankle"],
        ),
        # semicolons separate; commas inside a semicolon list still separate diagnoses
        (
            "labral tear, possible biceps tendon tear and impingement syndrome; thumb fracture",
            ["labral tear", "possible biceps tendon tear", "impingement syndrome", "thumb fracture"],
        ),
        # lead-ins go
        ("diagnoses of right shoulder contusion", ["right shoulder contusion"]),
        ("noted to include: low back injury; sacroiliac joint sprain", ["low back injury", "sacroiliac joint sprain"]),
        ("is other specific injury of the hip", ["other specific injury of the hip"]),
        # brackets: never split inside a closed pair; an unclosed one from a scan is text
        ("pain (neck, back and shoulder), insomnia", ["pain (neck, back and shoulder)", "insomnia"]),
        ("abdominal [pain, pelvic strain, lumbar strain", ["abdominal [pain", "pelvic strain", "lumbar strain"]),
        # "and/or" and "and-or" are not separators; a dangling "and" goes; a procedure is not a diagnosis
        (
            "strain of muscle and-or tendon of wrist, knee strain",
            ["strain of muscle and-or tendon of wrist", "knee strain"],
        ),
        (
            "left hip bursitis and rule out cervical and lumbar disc herniation",
            ["left hip bursitis", "rule out cervical and lumbar disc herniation"],
        ),
        ("open fracture of the right ring finger and repair on 03-14-17", ["open fracture of the right ring finger"]),
    ],
)
def test_split(body: str, expected: list[str]) -> None:
    assert split_diagnoses(body, INDEX) == expected


def test_a_later_list_in_the_summary_adds_only_new_diagnoses_and_guideline_talk_adds_none() -> None:
    summary = (
        "The injured worker is a 50 year old male who was injured on 01/02/2015. He is undergoing treatment for "
        "lumbar strain and right knee sprain. He was also diagnosed with insomnia and knee sprain. Guidelines "
        "require a diagnosis of radiculopathy. He was diagnosed with a contusion and early x-rays reveal signs "
        "of arthritis at L4."
    )
    record = parse_text(make_letter(DENIED_PT, summary=summary))
    assert record.diagnoses == ["lumbar strain", "right knee sprain", "insomnia"]


@pytest.mark.parametrize(
    ("text", "code", "match"),
    [
        ("cervicalgia", "M54.2", "exact"),
        ("pain", "R52", "exact"),  # "Pain, unspecified": unspecified is what the letter says
        ("hearing loss", "H91.9", "exact"),  # "Unspecified hearing loss"
        ("Dizziness and giddiness", "R42", "exact"),
        ("strain of muscle, fascia, and tendon of the pelvis, initial encounter", "S39.013A", "exact"),
        ("other intervertebral disc displacement, lumbosacral region", "M51.27", "exact"),
        ("lumbar strain", "S39.012", "fuzzy"),
        ("lumbar muscle strain, subsequent encounter", "S39.012D", "fuzzy"),
        ("right knee pain", "M25.561", "fuzzy"),
        ("left lumbar radiculopathy", "M54.16", "fuzzy"),
        ("neck pain", "M54.2", "fuzzy"),
    ],
)
def test_codes(text: str, code: str, match: str) -> None:
    assert INDEX is not None
    found = INDEX.code(text)
    assert found is not None and (found.code, found.match) == (code, match)


@pytest.mark.parametrize(
    "text",
    [
        "possible lumbar radiculopathy",  # not established
        "rule out carpal tunnel syndrome",
        "history of lumbar strain",
        "status post carpal tunnel release",
        "multiple trauma",  # "Osteonecrosis due to previous trauma, multiple sites" is another condition
        "crushing injury",  # "Crushing injury of toe" would add a site
        "left knee strain",  # "Strain of left Achilles tendon" would add a tendon
        "right ulna fracture",  # "Stress fracture, right ulna" would add a kind
        "right shoulder tendinitis",  # "Calcific tendinitis of right shoulder" would add a kind
        "noise hearing loss",  # "Ototoxic hearing loss" would be another cause
        "cervical and lumbar spine strain",  # two sites, one code would drop one
        "lumbar spine sprain/strain",  # ICD has no code for both
    ],
)
def test_no_code_rather_than_a_guess(text: str) -> None:
    assert INDEX is not None
    assert INDEX.code(text) is None


def test_a_fuzzy_code_never_adds_or_changes_a_side() -> None:
    assert INDEX is not None
    for text in ("knee pain", "hip pain"):
        found = INDEX.code(text)
        assert (
            found is not None and "right" not in found.description.lower() and "left" not in found.description.lower()
        )
    left = INDEX.code("left hip pain")
    assert left is not None and left.code == "M25.552"


def test_lookup_key_ignores_case_articles_and_punctuation() -> None:
    assert lookup_key("Strain of muscle, fascia, and tendon of the pelvis") == lookup_key(
        "strain of muscle fascia and tendon of pelvis"
    )


def test_model_proposed_codes_are_kept_only_when_real_and_grounded() -> None:
    record = parse_text(
        make_letter(
            DENIED_PT,
            summary="The patient is being treated for trigger finger of the right thumb and left knee strain.",
        )
    )
    assert record.diagnoses == ["trigger finger of the right thumb", "left knee strain"]
    assert [c.code for c in record.coded_diagnoses or []] == [None, None]
    proposed = {
        "trigger finger of the right thumb": "M65.311",  # Trigger thumb, right thumb: grounded
        "left knee strain": "S86.012",  # Strain of left Achilles tendon: not the letter's words
    }
    coded = with_codes(record, proposed).coded_diagnoses or []
    assert (coded[0].code, coded[0].match, coded[0].proposed_by) == ("M65.311", "fuzzy", "llm")
    assert coded[1].code is None
    for wrong in ("Z99.999", "M65.312", "not a code"):  # not in the table; the other thumb; garbage
        assert (with_codes(record, {"trigger finger of the right thumb": wrong}).coded_diagnoses or [])[0].code is None


def test_the_record_carries_codes_with_evidence_and_release() -> None:
    record = parse_text(
        make_letter(DENIED_PT, summary="The patient is undergoing treatment for lumbar strain and cervicalgia.")
    )
    coded = record.coded_diagnoses or []
    assert [(c.text, c.code, c.match) for c in coded] == [
        ("lumbar strain", "S39.012", "fuzzy"),
        ("cervicalgia", "M54.2", "exact"),
    ]
    assert all(c.evidence is not None for c in coded)
    assert (record.icd10cm_release or "").startswith("ICD-10-CM ")


def test_codes_are_made_only_when_asked_for_and_change_nothing_else() -> None:
    """`imr-llm summarize` shows no ICD-10-CM code, so it parses with `codes=False`: the record lacks the
    codes and nothing else, and the summary is the same."""
    from imr_llm.loaders import load_file
    from imr_llm.parser import parse_letter
    from imr_llm.summary.summarize import summarize

    letter = load_file(SAMPLES / "synth-2016-basic.txt")
    coded, plain = parse_letter(letter), parse_letter(letter, codes=False)
    assert coded.coded_diagnoses and coded.icd10cm_release  # the default: coded
    assert plain.coded_diagnoses is None and plain.icd10cm_release is None
    drop = {"coded_diagnoses", "icd10cm_release"}
    assert coded.model_dump(exclude=drop) == plain.model_dump(exclude=drop)
    assert summarize(coded, "en").summary == summarize(plain, "en").summary
