"""Synthetic letters for tests: the 2016-17 layout with any items, written here (no real letter text)."""

from __future__ import annotations

from dataclasses import dataclass

HEAD = """Case Number: CM16-0900199
Date Assigned: 11/28/2016 Date of Injury: 09/14/2016
Decision Date: 12/30/2016 UR Denial Date: 11/17/2016
Priority: Standard Application
Received:
11/21/2016
HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the complete case file to an expert reviewer.
The Expert Reviewer has the following credentials:
State(s) of Licensure: California
Certification(s)/Specialty: Family Practice
CLINICAL CASE SUMMARY
The expert reviewer developed the following clinical case summary based on a review of the
case file, including all medical records:
The injured worker is a 52 year old female, who sustained an industrial injury on 9-14-16. She
was diagnosed as having lumbar strain. Treatment to date has included rest.
IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:
"""


@dataclass(frozen=True)
class Item:
    request: str
    decision: str  # "Upheld" | "Overturned" | "" (no decision word)
    rationale: str
    heading: str | None = None  # the whole heading, for partly authorized requests


# the form's fixed phrases for a request the claims administrator answered with other care, leaving the whole
# request to the review (written once, here)
_WAS_ORIGINAL = "was the original request."
_AUTHORIZED = "The Claims Administrator authorized"
_LEFT_ELIGIBLE = "leaving the original request IMR eligible."


def whole_request_heading(original: str, authorized: str) -> str:
    """The heading of a request reviewed whole after the claims administrator authorized other care."""
    again = original[:1].lower() + original[1:]
    return f"{original} {_WAS_ORIGINAL} {_AUTHORIZED} {authorized}, {_LEFT_ELIGIBLE} The original request, {again} is:"


_SUMMARY = (
    "The injured worker is a 52 year old female, who sustained an industrial injury on 9-14-16. She\n"
    "was diagnosed as having lumbar strain. Treatment to date has included rest.\n"
)


def make_letter(*items: Item, summary: str | None = None) -> str:
    """A letter with these items; `summary` replaces the case summary's text."""
    parts = [HEAD if summary is None else HEAD.replace(_SUMMARY, summary.rstrip("\n") + "\n")]
    for item in items:
        heading = item.heading or f"{item.request}:"
        parts.append(f"{heading} {item.decision}".rstrip() + "\n")
        parts.append("Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.\n")
        parts.append("MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016.\n")
        parts.append(f"Decision rationale: {item.rationale}\n")
    return "".join(parts)


DENIED_PT = Item(
    "Physical therapy 8 sessions for the low back",
    "Upheld",
    "The MTUS recommends up to 10 visits of physical therapy with a fading of frequency. The patient has had "
    "10 prior sessions, and there is no record of objective functional improvement with them. Therefore, "
    "the request is not medically necessary.",
)
APPROVED_MRI = Item(
    "MRI of the lumbar spine",
    "Overturned",
    "The guidelines support imaging when there are neurologic deficits. In this case, the records document "
    "weakness and decreased sensation in the left leg. Therefore, the request is medically necessary.",
)
