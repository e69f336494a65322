"""The care classifiers (imr_llm.care): kind, drug and body site, each with the wrong outputs it must not
produce and the right ones; evidence spans that hold their words; the drug table's consistency."""

from __future__ import annotations

import json

import pytest

from imr_llm.care import classify_kind, with_care
from imr_llm.care.drugs import _load, drug_table
from imr_llm.evals.scorers import research_gold_path, research_item_scores
from imr_llm.fields import compact
from imr_llm.loaders import load_file
from imr_llm.parser import parse_text
from imr_llm.schema import DisputedItem, LetterRecord
from imr_llm.summary.facts import Kind, treatment_kind
from tests.conftest import DEV, needs_shared
from tests.letters import Item, make_letter


def kind_of(request: str) -> str | None:
    hit = classify_kind(request)
    return hit.code if hit else None


def record(*items: tuple[str, str | None], diagnoses: list[str] | None = None) -> LetterRecord:
    """A record with items (request, MAXIMUS guideline line), classified."""
    return with_care(
        LetterRecord(
            template="final_2016",
            diagnoses=diagnoses,
            disputed_items=[DisputedItem(request=r, decision="upheld", maximus_guideline_text=g) for r, g in items],
        )
    )


# -- kind ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_, kind",
    [
        # a drug is a medication, whatever else the request says (issue 24: post-op Percocet)
        ("Post-op Percocet 5/325mg #60", "medication"),
        ("Postoperative Norco 10/325 #30", "medication"),
        ("Associated surgical service: Keflex 500mg #20", "medication"),
        ("Viagra", "medication"),  # the old summary said "a treatment"
        ("Compound Ketoprofen 20%, 240 grams", "medication"),
        ("Cyclophene 5% cream 111.2 grams", "medication"),
        ("Etodolac", "medication"),
        ("Toradol 60mg IM injection", "injection"),
        ("Twelve acupuncture visits with Capsaicin patch", "therapy"),
        # surgery-related services
        ("Post operative physical therapy for the left shoulder 3 times a week for 4 weeks", "surgery_related"),
        ("Associated surgical service: Cold therapy unit, 14 day rental", "surgery_related"),
        ("Preoperative Medical Clearance", "surgery_related"),
        ("PA assist", "surgery_related"),
        # visits are visits, procedures are surgeries
        ("Spine surgery consultation", "visit"),
        ("Medication management consultation", "visit"),
        ("Re-exam with chiropractor for the cervical spine flare-up", "visit"),
        ("Left knee arthroscopy with evaluation of PCL, medical meniscectomy", "surgery"),
        ("Physical therapy evaluation, thoracic and lumbar spine", "therapy"),
        # equipment before therapy words
        ("Hot/cold therapy wrap", "equipment"),
        ("Custom touch back heat therapy pad", "equipment"),
        ("Wrist braces #2", "equipment"),  # the old summary said "a medicine" ("#2")
        ("TENS unit", "equipment"),
        # tests
        ("Urine drug screen", "lab_test"),
        ("EMG/NCS of the bilateral upper extremities", "electrodiagnostic"),
        ("MRI of the lumbar spine", "imaging"),
        ("Trigger points impedance imaging (TPII)", "other"),
        ("Functional capacity evaluation", "other"),
        ("Ultrasound 1 times 8", "therapy"),
        ("Daily RN for 4 weeks for wound care, medication management", "home_care"),
        ("Right L5-S1 epidural steroid injection", "injection"),
        ("Gym membership", "other"),
        # nothing sure: no kind
        ("Something the rules do not know", None),
    ],
)
def test_kind(request_: str, kind: str | None) -> None:
    assert kind_of(request_) == kind


def test_a_drug_is_never_filed_as_a_surgery_related_service() -> None:
    for request_ in ("Post-op Percocet 5/325 #40", "post-operative oxycodone 5mg #30", "Perioperative Celebrex 200mg"):
        assert kind_of(request_) == "medication"
        assert treatment_kind(request_) is Kind.MEDICINE  # the summary says "a medicine", not "goes with a surgery"


def test_summary_words_the_classifier_code() -> None:
    assert treatment_kind("Post operative physical therapy 12 sessions") is Kind.WITH_SURGERY
    assert treatment_kind("Chiropractic care for the low back; six sessions") is Kind.CHIROPRACTIC
    assert treatment_kind("Functional capacity evaluation") is Kind.FUNCTIONAL_TEST
    assert treatment_kind("Something the rules do not know") is Kind.TREATMENT


# -- drug ------------------------------------------------------------------------------------------------


def test_drug_table_is_consistent() -> None:
    data = _load()
    classes = set(data["classes"])
    table = drug_table()
    for name, (cls, _, _) in data["ingredients"].items():
        assert cls in classes, name
    for name, spec in data["products"].items():
        assert all(i in table.ingredients for i in spec["ingredients"]), name
        assert spec.get("class") is None or spec["class"] in classes, name


@pytest.mark.parametrize(
    "request_, ingredients, drug_class, strength, quantity, compounded, brand",
    [
        ("Cyclobenzaprine 7.5mg #27", ["cyclobenzaprine"], "muscle_relaxant", "7.5 mg", "#27", False, None),
        ("Norco 10/325mg #35", ["hydrocodone", "acetaminophen"], "opioid", "10/325 mg", "#35", False, "Norco"),
        (
            "Post-op Percocet 5/325mg #60",
            ["oxycodone", "acetaminophen"],
            "opioid",
            "5/325 mg",
            "#60",
            False,
            "Percocet",
        ),
        ("Viagra 100mg #10", ["sildenafil"], "pde5_inhibitor", "100 mg", "#10", False, "Viagra"),
        (
            "Synapryn (10mg/1ml oral suspension) 500ml",
            ["tramadol", "glucosamine"],
            "opioid",
            "10 mg/ml",
            "500 ml",
            True,
            "Synapryn",
        ),
        (
            "Flurbiprofen 20%, Baclofen 5%, Menthol 2% in cream base",
            ["flurbiprofen", "baclofen", "menthol"],
            "multiple",
            None,
            None,
            True,
            None,
        ),
        ("Compound Ketoprofen 20%, 240 grams", ["ketoprofen"], "nsaid", "20%", "240 g", True, None),
        ("Meloxicam (Mobic) 7.5mg #30", ["meloxicam"], "nsaid", "7.5 mg", "#30", False, "Mobic"),
        (
            "Diclofenac/misoprostol 75-0.2mg #60",
            ["diclofenac", "misoprostol"],
            "nsaid",
            "75-0.2 mg",
            "#60",
            False,
            None,
        ),
        ("Tylenol #3 #30", ["acetaminophen", "codeine"], "opioid", None, "#30", False, "Tylenol #3"),
        ("Cyclobenzaprin 10mg #30", ["cyclobenzaprine"], "muscle_relaxant", "10 mg", "#30", False, None),
    ],
)
def test_drug(
    request_: str,
    ingredients: list[str],
    drug_class: str,
    strength: str | None,
    quantity: str | None,
    compounded: bool,
    brand: str | None,
) -> None:
    drug = record((request_, None)).disputed_items[0].drug
    assert drug is not None
    assert [x.name for x in drug.ingredients] == ingredients
    assert (drug.drug_class, drug.strength, drug.quantity, drug.compounded, drug.brand) == (
        drug_class,
        strength,
        quantity,
        compounded,
        brand,
    )


def test_misspelled_drug_is_fuzzy_and_unknown_words_are_not_drugs() -> None:
    drug = record(("Cyclobenzaprin 10mg #30", None)).disputed_items[0].drug
    assert drug is not None and drug.ingredients[0].match == "fuzzy"
    item = record(("Lumbar traction device", None)).disputed_items[0]
    assert item.drug is None and item.kind is not None and item.kind.code == "equipment"
    # a medication whose drug the table lacks: a medication with no ingredient, never a guessed one
    item = record(("Zyxorbital 10mg #30", None)).disputed_items[0]
    assert item.kind is not None and item.kind.code == "medication"
    assert item.drug is not None and item.drug.ingredients == [] and item.drug.drug_class is None


# -- body site --------------------------------------------------------------------------------------------

LOW_BACK = "Decision based on MTUS Low Back Complaints 2004, Section(s): Physical Methods."
KNEE = "Decision based on MTUS Knee Complaints 2004, Section(s): Special Studies."
CHRONIC = "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Physical medicine treatment."
ODG_DME = "Decision based on Non-MTUS Citation ODG Knee & Leg, Durable medical equipment."


def site_of(request_: str, guideline: str | None, diagnoses: list[str] | None) -> tuple[list[str], str] | None:
    site = record((request_, guideline), diagnoses=diagnoses).disputed_items[0].body_site
    return None if site is None else (site.sites, site.source)


def test_body_site_never_from_a_diagnosis_of_another_region() -> None:
    # the request names the site: the diagnoses do not matter
    assert site_of("EMG of the left upper extremity", CHRONIC, ["lumbar strain"]) == (["upper_extremity"], "request")
    # a chapter of one region, diagnoses of another: no site (reviewers cite another region's chapter)
    assert site_of("Physical therapy 6 sessions", LOW_BACK, ["right knee sprain"]) is None
    assert site_of("Physical therapy 6 sessions", KNEE, ["lumbar strain", "cervical strain"]) is None
    # diagnoses of two regions: no site
    assert site_of("Physical therapy 6 sessions", CHRONIC, ["lumbar strain", "right knee sprain"]) is None
    # a medicine, a visit, a lab test or equipment get no site from the diagnoses
    assert site_of("Naproxen 550mg #60", CHRONIC, ["lumbar strain"]) is None
    assert site_of("Follow up office visit", CHRONIC, ["lumbar strain"]) is None
    assert site_of("Urine drug screen", CHRONIC, ["lumbar strain"]) is None
    assert site_of("Large gloves", None, ["fracture of right femur"]) is None
    # a device's name is not a body part; a chapter cited for durable equipment is not a region
    assert site_of("1 knee scooter", None, ["fracture of left foot"]) is None
    assert site_of("Standard wheelchair rental", ODG_DME, ["crushing injury of the knee"]) is None
    # "neck, back": part of the sites is vague, so no site at all (never half of one)
    assert site_of("Chiro with modalities 3 times a week for 4 weeks for neck, back", CHRONIC, None) is None
    # a rule-out diagnosis names no site
    assert site_of("Acupuncture for 2 sessions", CHRONIC, ["rule out cervical radiculopathy"]) is None


def test_body_site_right_ones() -> None:
    assert site_of("Facet joint injections L4-5, L5-S1", None, None) == (["lumbar_spine"], "request")
    assert site_of("MRI of the bilateral brain/brainstem", None, None) == (["head"], "request")
    assert site_of("PT for the lumbar spine, cervical spine, and thoracic spine", None, None) == (
        ["cervical_spine", "lumbar_spine", "thoracic_spine"],
        "request",
    )
    assert site_of("Back support", LOW_BACK, ["closed fracture of fourth lumbar vertebra"]) == (
        ["lumbar_spine"],
        "guideline",
    )
    assert site_of("Physical therapy 6 sessions", CHRONIC, ["lumbar strain", "insomnia"]) == (
        ["lumbar_spine"],
        "diagnoses",
    )
    site = record(("MRI of the right knee", None)).disputed_items[0].body_site
    assert site is not None and site.code == "knee" and site.side == "right"
    site = record(("EMG/NCV of the hip, lumbar", None)).disputed_items[0].body_site
    assert site is not None and site.code == "multiple" and site.side is None


# -- evidence -------------------------------------------------------------------------------------------


def test_evidence_spans_hold_their_words() -> None:
    letter = make_letter(
        Item(
            "Post-op Percocet 5/325mg #60",
            "Upheld",
            "Not supported. Therefore, the request is not medically necessary.",
        ),
        Item(
            "Physical therapy for the\nlumbar spine 3 times a week",
            "Upheld",
            "Not supported. Therefore, the request is not medically necessary.",
        ),
        Item(
            "Gabapentin 10%, Cyclobenzaprine\n6% in cream base",
            "Upheld",
            "Not recommended. Therefore, the request is not medically necessary.",
        ),
    )
    rec = parse_text(letter)
    med, pt, cream = rec.disputed_items
    checked = 0
    for item in (med, pt, cream):
        for value, span in (
            (item.kind.term if item.kind else None, item.kind.evidence if item.kind else None),
            (item.body_site.term if item.body_site else None, item.body_site.evidence if item.body_site else None),
            *((x.printed, x.evidence) for x in (item.drug.ingredients if item.drug else [])),
        ):
            if value is None:
                continue
            assert span is not None, value
            assert compact(letter[span.start : span.end]) == compact(value)
            checked += 1
    assert checked >= 6
    assert med.kind is not None and med.kind.code == "medication"
    assert pt.body_site is not None and pt.body_site.sites == ["lumbar_spine"]
    assert cream.drug is not None and cream.drug.compounded


@needs_shared
@pytest.mark.shared
def test_dev_letters_match_the_research_gold() -> None:
    """Every dev item's kind, ingredients and body site as the research gold has them (evals/gold-research)."""
    gold = json.loads(research_gold_path().read_text(encoding="utf-8"))["letters"]
    dev = DEV
    wrong = []
    for name, items in gold.items():
        letter = load_file(dev / f"{name}.txt")
        rec = json.loads(parse_text(letter.text, letter.source).to_json_line())
        for i, g in enumerate(items):
            scores = research_item_scores(g, rec["disputed_items"][i])
            if scores["kind"] != 1 or scores.get("drug_ingredients", 1) != 1 or scores["body_site_wrong"]:
                wrong.append((name, i, scores))
    assert not wrong
