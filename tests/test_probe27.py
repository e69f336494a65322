"""The twenty-seventh hostile probe's cases, each tested both ways (the wrong output it must not produce, and the
right one). All letters here are synthetic."""

from __future__ import annotations

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
    # or of another
    for second in ("synth-2016-partial.txt", "synth-2014.txt", "synth-2013-notice.txt"):
        record = parse_text(BASIC.rstrip("\f\n") + "\n\n" + (SAMPLES / second).read_text(encoding="utf-8"))
        assert [i.decision for i in record.disputed_items] == ["upheld", "overturned"], second
        assert any("the file holds 2 letters" in w for w in record.warnings), (second, record.warnings)
