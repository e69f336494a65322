"""The scoring module against figures computed by hand."""

from __future__ import annotations

import copy
from typing import Any

from imr_llm.evals.scoring import Scorecard, set_f1
from imr_llm.fields import align_items, values_equal
from tests.conftest import SAMPLES, load_gold


def test_values_equal_is_whitespace_and_hyphen_insensitive_but_not_case_insensitive() -> None:
    assert values_equal("anti-\n depressants", "anti-depressants")
    assert values_equal("documen-tation", "documentation")
    assert not values_equal("MRI of the knee", "mri of the knee")
    assert values_equal(["a  b"], ["a b"])
    assert not values_equal(False, 0)
    assert values_equal(None, None)


def test_set_f1_by_hand() -> None:
    assert set_f1(["a", "b", "c"], ["a", "b", "x", "y"]) == (0.5, 2 / 3, 2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert set_f1(None, None) == (1.0, 1.0, 1.0)
    assert set_f1(["a"], None) == (0.0, 0.0, 0.0)


def test_alignment_survives_a_missing_and_a_reordered_item() -> None:
    gold = [
        {"request": "MRI of the right knee"},
        {"request": "Physical therapy 6 sessions"},
        {"request": "Naproxen"},
    ]
    predicted = [{"request": "Naproxen 550mg"}, {"request": "MRI of the right knee"}]
    alignment = align_items(gold, predicted)
    assert alignment.pairs == [(0, 1), (2, 0)]
    assert alignment.missed == [1]
    assert alignment.extra == []


def test_scorecard_counts_by_hand() -> None:
    gold: dict[str, Any] = load_gold(SAMPLES / "synth-2016-basic.gold.json")
    wrong = copy.deepcopy(gold)
    wrong["case_number"] = "CM00-0000000"  # 1 header field wrong
    wrong["disputed_items"][1]["decision"] = "upheld"  # 1 item field wrong
    wrong["diagnoses"] = ["lumbar strain"]
    card = Scorecard()
    card.add("x", gold, wrong)
    # 9 header + 5 reviewer + 2 items x 9 item fields = 32 key fields, 2 wrong
    assert len(card.results) == 32
    assert card.key_field_accuracy == 30 / 32
    assert card.decision_accuracy == 1 / 2
    assert card.diagnoses_f1 == 2 * 1.0 * (1 / 3) / (1.0 + 1 / 3)
    assert card.item_prf() == (1.0, 1.0, 1.0)
    missing = copy.deepcopy(gold)
    del missing["disputed_items"][0]
    card2 = Scorecard()
    card2.add("x", gold, missing)
    assert card2.item_prf() == (1.0, 0.5, 2 * 0.5 / 1.5)
    assert card2.decision_accuracy == 1 / 2


def test_a_date_from_another_label_is_counted_and_a_merely_wrong_or_empty_one_is_not() -> None:
    from imr_llm.evals.results import LetterResult
    from imr_llm.evals.scorers import _dates_from_another_label

    gold = {"date_of_injury": "2016-09-14", "ur_determination_date": "2016-11-17", "decision_date": "2016-12-30"}

    def letter(**record: Any) -> LetterResult:
        return LetterResult(name="x", input="x.pdf", gold=gold, record={**gold, **record})

    assert _dates_from_another_label(letter()) == 0
    assert _dates_from_another_label(letter(decision_date="2016-11-17")) == 1  # the UR denial date
    assert _dates_from_another_label(letter(decision_date="2016-11-17", date_of_injury="2016-12-30")) == 2
    assert _dates_from_another_label(letter(decision_date="2016-12-03")) == 0  # wrong, but no neighbour's
    assert _dates_from_another_label(letter(decision_date=None)) == 0  # left empty
