import pytest

from imr_llm.parser.guidelines import normalize_guidelines


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Decision based on MTUS Knee Complaints 2004, Section(s): Special Studies.",
            ["MTUS Knee Complaints"],
        ),
        (
            "Decision based on MTUS Elbow Complaints 2007, Section(s): Initial Care, and Chronic Pain Medical "
            "Treatment 2016, Section(s): Physical medicine treatment.",
            ["MTUS Elbow Complaints", "MTUS Chronic Pain Medical Treatment Guidelines"],
        ),
        # section names that repeat other part names must not add them
        (
            "Decision based on MTUS Opioid Treatment 2016, Section(s): 3.3.9 Opioids for Chronic Pain and "
            "Chronic Opioid Treatment: Maintenance of Chronic Opioid Treatment.",
            ["MTUS Opioid Treatment"],
        ),
        ("The Expert Reviewer did not cite any medical evidence for its decision.", []),
        (
            "The Expert Reviewer based their decision on recommendation(s) outside of the MTUS Guidelines. "
            "Decision based on Non-MTUS Citation Neck and Upper Back (Cervical collars).",
            ["ODG"],
        ),
        (
            "Decision based on Non-MTUS Citation Knee & Leg (Acute & Chronic), Cold packs, ODG Preface – Cold packs.",
            ["ODG"],
        ),
        (
            "Decision based on MTUS ACOEM Ch. 12 Low Back Complaints Page(s): 303,Chronic Pain Treatment "
            "Guidelines (2009) Page(s): 99. Decision based on Non-MTUS Citation Official "
            "Disability Guidelines (ODG), Low Back Chapter, Lumbar supports.",
            ["MTUS Low Back Complaints", "MTUS Chronic Pain Medical Treatment Guidelines", "ODG"],
        ),
        (
            "Decision based on Non-MTUS Citation Hegmann KT, ed. ACOEM Occupational Medicine Practice Guidelines, "
            "2nd ed., Knee Disorders, pg. 412.",
            ["Non-MTUS: ACOEM Occupational Medicine Practice Guidelines, 2nd ed"],
        ),
        (
            "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Knee/DME, and Medicare "
            "coverage guidance at https://www.cms.gov/Medicare/Guidance/Transmittals/2003/"
            "R152CIM.pdf.",
            ["ODG", "Non-MTUS: Medicare (cms.gov transmittal R152CIM)"],
        ),
        (
            "Decision based on Non-MTUS Citation Smith J, et al. Whiplash in adults: Treatment. Topic 12, "
            "version 3.0. UpToDate, accessed 01/02/2017.",
            ["Non-MTUS: UpToDate, Whiplash in adults: Treatment"],
        ),
    ],
)
def test_normalize_guidelines(line: str, expected: list[str]) -> None:
    assert normalize_guidelines(line) == expected


def test_no_line_is_none() -> None:
    assert normalize_guidelines(None) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # OCR misreadings of a part's title: still that part
        (
            "Decision based on MTUS Chrome Pain Medical Treatment 2016, Section(s): Physical medicine treatment.",
            ["MTUS Chronic Pain Medical Treatment Guidelines"],
        ),
        (
            "Decision based on MTUS Low Back Complamnts 2004, Section(s): General Approach.",
            ["MTUS Low Back Complaints"],
        ),
        (
            "Decision based on MTUS Elbow Complaints 2007, Section(s): Surgical Considerations, and Forearm, Wrist, "
            "and Hand Complamts 2004, Section(s): Special Studies.",
            ["MTUS Elbow Complaints", "MTUS Forearm, Wrist, and Hand Complaints"],
        ),
        # right spellings are read as before, never doubled
        (
            "Decision based on MTUS Neck and Upper Back Complaints 2004, Section(s): Special Studies.",
            ["MTUS Neck and Upper Back Complaints"],
        ),
        (
            "Decision based on MTUS ACOEM Ankle and Foot Complaints 2004, Section(s): Surgical Considerations.",
            ["MTUS Ankle and Foot Complaints"],
        ),
        # too garbled, or as near one title as another: no part is named (unknown: None, never [] "no evidence")
        ("Decision based on MTUS Xnqq Complaints 2004, Section(s): Summary.", None),
        ("Decision based on MTUS Chr0m1c Pa1n Med1ca1 Trea7ment 2016, Section(s): Opioids.", None),
        # a section's name is never taken for a part, however near
        (
            "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids, and Knee bracing.",
            ["MTUS Chronic Pain Medical Treatment Guidelines"],
        ),
    ],
)
def test_ocr_misread_part_titles(line: str, expected: list[str] | None) -> None:
    assert normalize_guidelines(line, misread=True) == expected


def test_misread_titles_are_read_only_from_ocr() -> None:
    line = "Decision based on MTUS Chrome Pain Medical Treatment 2016, Section(s): Physical medicine treatment."
    assert normalize_guidelines(line) is None  # typed text: a misspelt title is what the letter says (not read)
