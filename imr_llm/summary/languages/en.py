"""English: plain words at about a 6th grade level (Flesch-Kincaid)."""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

from imr_llm.schema import Decision
from imr_llm.summary import readability
from imr_llm.summary.facts import CareAlreadyGiven, Kind, PartialNumbers, Quantity
from imr_llm.summary.languages.base import Counts, Language, Readability, Section

_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_NUMBER = r"(?P<num>" + "|".join(_WORDS) + r"|\d+)"


def _value(word: str) -> int:
    word = word.lower()
    return _WORDS.index(word) if word in _WORDS else int(word)


def _join(parts: list[str], word: str = "or") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


_KINDS = {
    Kind.WITH_SURGERY: "a service that goes with a surgery",
    Kind.FUNCTIONAL_TEST: "a test of what your body can do",
    Kind.SCAN: "a scan or picture of the inside of your body",
    Kind.NERVE_TEST: "nerve and muscle tests",
    Kind.MEDICAL_TEST: "a medical test",
    Kind.THERAPY: "therapy visits",
    Kind.CHIROPRACTIC: "chiropractic care",
    Kind.ACUPUNCTURE: "acupuncture",
    Kind.VISIT: "a visit with a doctor",
    Kind.INJECTION: "a shot (injection)",
    Kind.SURGERY: "a surgery",
    Kind.MEDICINE: "a medicine",
    Kind.EQUIPMENT: "medical equipment",
    Kind.HOME_HELP: "help at home",
    Kind.PROGRAM: "a program or therapy",
    Kind.TREATMENT: "a treatment",
}
_HELPED = {  # what "this treatment" is, for "did not show that X helped you"
    Kind.MEDICINE: "this medicine",
    Kind.THERAPY: "your earlier visits",
    Kind.CHIROPRACTIC: "your earlier visits",
    Kind.ACUPUNCTURE: "your earlier visits",
}
_FINDINGS = {
    "nerve_signs": "signs of nerve problems, like numbness or weakness",
    "red_flags": "warning signs of a serious problem",
    "diagnosis": "a diagnosis that this treatment is meant for",
    "imaging": "scan or x-ray results that call for it",
    "stomach_risk": "a high risk of stomach problems",
    "exam": "exam findings that call for it",
}
_SIMPLER_CARE = {
    "physical_therapy": "physical therapy",
    "pills": "medicine taken by mouth",
    "first_line_medicine": "the medicines that are usually tried first",
    "home_exercise": "home exercises",
}
_DETAILS = {
    "how_many": "how many",
    "how_often": "how often",
    "how_long": "for how long",
    "body_part": "which part of the body",
    "rent_or_buy": "whether to rent or buy it",
    "dose": "what dose",
    "goals": "the goals of the treatment",
    "specialist": "which kind of specialist",
}


def _amount(q: Quantity) -> str:
    """ "#30" as the letter writes it, or "12 sessions"."""
    return f"#{q.value}" if q.unit == "#" else f"{q.value} {q.unit}"


def _t(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


class English(Language):
    code = "en"
    name = "English"
    months = (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    )
    title = "Your Independent Medical Review (IMR) decision"
    decided_heading = "What was decided"
    item_marker = "Request"
    end_marker = "What you can do now"
    why_label = "Why:"
    next_labels: ClassVar[dict[str | None, str]] = {
        "overturned": "What happens next:",
        "upheld": "What could change this:",
        None: "What to do:",
    }
    reviewer_wrote = "The reviewer wrote:"
    terms_label = "Words in the reviewer's sentence:"
    letter_words_note = ""
    glance_headers = ("#", "Request", "Decision")
    glance_words: ClassVar[dict[str | None, str]] = {
        "overturned": "Approved (Overturned)",
        "upheld": "Not approved (Upheld)",
        None: "Could not read - check the letter",
    }
    footer = "Made by imr-llm from the IMR Final Determination letter. Not legal advice."
    not_advice = (
        "This summary is not legal advice.",
        "It puts the letter in plain words. The letter itself is the decision that counts.",
    )
    failed_checks_banner = (
        "WARNING: this summary failed its safety checks ({problems}). Do not rely on it. Read the letter itself, "
        "or ask for help."
    )
    next_steps = Section(
        "What you can do now",
        (
            "This decision is final unless it is appealed.",
            'To appeal, you file a signed, sworn paper called a "verified appeal" with the appeals board (WCAB). '
            "You must also send a copy to everyone in your case.",
            "You must file it within 30 days of the date the decision was mailed to you. "
            "Since it was sent by mail, you get 5 more days (35 days in all).",
            "You can appeal only for a few reasons set by law (Labor Code section 4610.6(h)). The decision was made "
            "without legal power, or went past it. It was gained by fraud. The reviewer had a serious conflict of "
            "interest. It was biased because of race, national origin, ethnic group, religion, age, sex, sexual "
            "orientation, color, or disability. Or it rests on a fact that is plainly wrong, in a way anyone "
            "could see without being a doctor.",
            "Your doctor can ask again. If your health changes, your doctor can send a new request. Your doctor "
            "can also do this if there are new medical records.",
            "You can get free help. The state has Information and Assistance (I&A) officers who answer questions "
            "for free. They work for the Division of Workers' Compensation (DWC): {dwc}. You can also talk to a "
            "lawyer.",
        ),
    )
    words = Section(
        "Words you may see",
        (
            "IMR: Independent Medical Review. An outside doctor looks at a treatment that was denied.",
            "UR: Utilization Review. This is the first review, the one that turned the request down.",
            "Medically necessary: your injury needs it, based on the medical guidelines.",
            "MTUS and ODG: the medical guidelines used to decide. MTUS is California's own.",
            "WCAB: the Workers' Compensation Appeals Board.",
        ),
    )
    dwc_link_text = "www.dir.ca.gov/dwc"

    approved_phrases = ("this is approved", "must approve")
    denied_phrases = ("this is not approved", "the denial stands")
    unreadable_phrases = ("we could not read it",)
    double_negatives = (
        _t(r"\b(?:none|neither|nothing|no one)\b[^.]{0,40}\bnot\b"),
        _t(r"\bnot\b[^.]{0,30}\bnot approved\b"),
        _t(r"\bnever\b[^.]{0,30}\bnot\b"),
    )
    decision_claims = (
        _t(r"(?<!not )\b(?:was|were|is|are|been|be|get|got) approved\b|\bmust approve\b|\boverturned\b"),
        _t(r"\bnot approved\b|\bdenied\b|\bturned down\b|\bdenial stands\b|\bupheld\b"),
    )
    prompt_name = "English"
    glossary = (
        (
            _t(r"conservative (?:care|treatment|therapy|measures)"),
            "conservative care: simpler treatment, like physical therapy, medicine, or rest",
        ),
        (
            _t(r"functional (?:improvement|benefit|gains)"),
            "functional improvement: being able to do more in daily life or at work",
        ),
        (
            _t(r"neurolog\w* (?:deficit|dysfunction|finding|abnormalit|compromise)"),
            "neurological deficits: signs of nerve damage, like weakness, numbness, or changed reflexes",
        ),
        (_t(r"red flags?"), "red flags: warning signs of a serious problem"),
        (_t(r"radiculopathy|radicular"), "radiculopathy: a pinched or irritated nerve in the spine"),
        (_t(r"first[- ]line"), "first-line: the treatments that are usually tried first"),
        (_t(r"\bNSAIDs?\b|nonsteroidal anti-inflammator"), "NSAID: a medicine for pain and swelling"),
        (_t(r"\btopical\b"), "topical: put on the skin"),
        (_t(r"\boral\b"), "oral: taken by mouth"),
        (_t(r"\badjunct\b"), "adjunct: an add-on to other treatment"),
        (_t(r"\befficacy\b"), "efficacy: how well it works"),
        (_t(r"\bobjective\b"), "objective: measured or seen by the doctor, not only what you say"),
        (_t(r"\bmodalit(?:y|ies)\b"), "modalities: kinds of treatment"),
        (_t(r"durable medical equipment|\bDME\b"), "durable medical equipment: medical equipment for use at home"),
        (_t(r"home exercise (?:program|plan)|\bHEP\b"), "home exercise program: exercises you do at home"),
        (_t(r"proton pump inhibitor|\bPPI\b"), "proton pump inhibitor: a medicine that lowers stomach acid"),
        (_t(r"gastrointestinal|\bGI\b"), "gastrointestinal: about the stomach and gut"),
        (
            _t(r"(?:exceptional|extenuating) (?:factors|circumstances)"),
            "exceptional factors: special reasons to go past the guidelines",
        ),
        (_t(r"urine drug|drug screen"), "drug screen: a test of your urine for drugs"),
        (_t(r"\bCURES\b"), "CURES: California's list of the strong drugs each person is prescribed"),
        (_t(r"contraindicat"), "contraindication: a reason not to use a treatment"),
        (_t(r"\bancillary\b"), "ancillary: extra care that goes with another service"),
        (
            _t(r"maxim(?:um|al) medical improvement|\bMMI\b"),
            "maximum medical improvement: when your condition is not expected to get better",
        ),
        (_t(r"functional restoration"), "functional restoration: a program to help you get back to your activities"),
        (
            _t(r"electrodiagnostic|\bEMG\b|\bNCS\b|\bNCV\b"),
            "EMG and nerve tests: tests of how your nerves and muscles work",
        ),
        (_t(r"\bintoleran"), "intolerant: you cannot take it, for example because of side effects"),
        (_t(r"\baberrant\b"), "aberrant drug behavior: using a medicine in a way it was not prescribed"),
        (_t(r"\bacute\b"), "acute: new or recent"),
        (_t(r"\bchronic\b"), "chronic: lasting a long time"),
        (_t(r"\btrial\b"), "trial: a short try of a treatment, to see if it helps"),
        (_t(r"range of motion"), "range of motion: how far a joint can move"),
    )

    def longdate(self, value: dt.date) -> str:
        return f"{self.months[value.month - 1]} {value.day}, {value.year}"

    def count(self, n: int, capital: bool = False) -> str:
        word = _WORDS[n] if 0 <= n < len(_WORDS) else str(n)
        return word.capitalize() if capital else word

    def case_line(self, case_number: str | None, decided: dt.date | None) -> str | None:
        parts = []
        if case_number:
            parts.append(f"Case {case_number}")
        if decided:
            parts.append(f"decided on {self.longdate(decided)}")
        return " - ".join(parts) or None

    # -- the opening: one function of the counts ---------------------------------------

    def opening(self, c: Counts) -> str:
        intro = (
            "You, or someone for you, asked for an Independent Medical Review (IMR). In an IMR, an outside doctor "
            "looks at your records. This doctor does not work for your employer, or for the company that handles "
            "your claim."
        )
        asked = (
            f"The reviewer looked at {'one request' if c.n == 1 else self.count(c.n) + ' requests'} from your "
            "doctor that had been turned down, in whole or in part."
        )
        return " ".join([intro, asked, *self._outcome(c), *self._partial_note(c)])

    def _outcome(self, c: Counts) -> list[str]:
        if c.n == 1:
            if c.approved:
                return ["It was approved."]
            if c.denied:
                return ["It was not approved."]
            return ["We could not read its decision. Please check the letter."]
        if c.approved == c.n:
            return ["Both were approved." if c.n == 2 else f"All {self.count(c.n)} were approved."]
        if c.denied == c.n:
            return ["Neither one was approved." if c.n == 2 else f"None of the {self.count(c.n)} was approved."]
        if c.unreadable == c.n:
            return [f"We could not read the decisions of all {self.count(c.n)}. Please check the letter."]
        out = []
        if c.approved:
            out.append(f"{self.count(c.approved, True)} {'was' if c.approved == 1 else 'were'} approved.")
        if c.denied:
            out.append(f"{self.count(c.denied, True)} {'was' if c.denied == 1 else 'were'} not approved.")
        if c.unreadable:
            out.append(f"For {self.count(c.unreadable)}, we could not read the decision. Please check the letter.")
        return out

    def _partial_note(self, c: Counts) -> list[str]:
        if not c.partial:
            return []
        if c.n == 1:
            return ["Part of it had already been approved before this review."]
        return [f"For {self.count(c.partial)} of them, part had already been approved before this review."]

    def opening_claims(self, text: str) -> list[tuple[str, int]]:
        claims: list[tuple[str, int]] = []
        n = re.search(rf"looked at (?:one request|{_NUMBER} requests)\b", text, re.I)
        if n:
            claims.append(("n", _value(n.group("num")) if n.group("num") else 1))
        rules: tuple[tuple[str, str, int | None], ...] = (
            (r"\bIt was approved\.", "approved", 1),
            (r"\bIt was not approved\.", "denied", 1),
            (r"\bWe could not read its decision\b", "unreadable", 1),
            (r"\bBoth were approved\b", "approved", 2),
            (r"\bNeither one was approved\b", "denied", 2),
            (rf"\bAll {_NUMBER} were approved\b", "approved", None),
            (rf"\bNone of the {_NUMBER} (?:was|were) approved\b", "denied", None),
            (rf"(?:^|\. ){_NUMBER} (?:was|were) approved\b", "approved", None),
            (rf"(?:^|\. ){_NUMBER} (?:was|were) not approved\b", "denied", None),
            (rf"\bFor {_NUMBER}, we could not read\b", "unreadable", None),
            (rf"\bWe could not read the decisions of all {_NUMBER}\b", "unreadable", None),
        )
        for pattern, field, fixed in rules:
            for m in re.finditer(pattern, text, re.I):
                claims.append((field, fixed if fixed is not None else _value(m.group("num"))))
        return claims

    # -- each item -----------------------------------------------------------------------

    def decision_line(self, decision: Decision | None, partial: bool) -> tuple[str, str]:
        on = "Decision on the rest" if partial else "Decision"
        if decision == "overturned":
            return (
                f"{on}: Overturned. This is approved.",
                "The first denial was reversed. The company that handles your claim must approve it.",
            )
        if decision == "upheld":
            return (f"{on}: Upheld. This is not approved.", "The denial stands.")
        return (f"{on}: we could not read it.", "Please check this request in the letter itself.")

    def reason(
        self, topic: str | None, decision: Decision | None, details: list[str], kind: Kind, linked: str | None
    ) -> str | None:
        if decision == "upheld":
            return self._why_not(topic, details, kind, linked)
        if decision == "overturned":
            return self._why(topic, details)
        return None

    def _why_not(self, topic: str | None, details: list[str], kind: Kind, linked: str | None) -> str | None:
        if topic == "functional_improvement":
            return (
                f"The records did not show that {_HELPED.get(kind, 'this treatment')} helped you, like less pain "
                "or being able to do more."
            )
        if topic == "conservative_care":
            care = [_SIMPLER_CARE[d] for d in details if d in _SIMPLER_CARE]
            named = f" ({_join(care)})" if care else ""
            return f"The records did not show that you tried simpler care first{named}, or that it did not work."
        if topic == "clinical_findings":
            found = [_FINDINGS[d] for d in details if d in _FINDINGS]
            if found:
                return f"Your records did not show {_join(found)}."
            return "Your records did not show the exam findings or test results that the guidelines ask for."
        if topic == "request_details":
            missing = [_DETAILS[d] for d in details if d in _DETAILS]
            if missing:
                return f"The request did not say {_join(missing)}."
            return "The request did not give all the details the reviewer needed."
        if topic == "guideline_amount":
            return "This asks for more, or for longer, than the guidelines allow."
        if topic == "indication":
            return "The guidelines the reviewer used do not support this kind of care for you at this time."
        if topic == "safety_monitoring":
            if "drug_tests" in details:
                return "The records did not show the safety checks the guidelines ask for, like drug tests."
            return "The reviewer was worried about the risks of this for you."
        if topic == "linked_service" and linked:
            if "surg" in linked.lower():
                return "This goes with a surgery that was not approved. So this was not approved either."
            return (
                f'This goes with another service ("{linked}") that was not approved. So this was not approved either.'
            )
        return None

    def _why(self, topic: str | None, details: list[str]) -> str | None:
        if topic == "functional_improvement":
            return "The records showed that this care has helped you."
        if topic == "conservative_care":
            return "The records showed that simpler care was tried and you still had problems."
        if topic == "clinical_findings":
            found = [_FINDINGS[d] for d in details if d in _FINDINGS and d != "diagnosis"]
            if found:
                return f"Your records showed {_join(found, 'and')}."
            return "Your records showed the exam findings or test results that the guidelines look for."
        if topic == "indication":
            return "The guidelines support this kind of care for your condition."
        if topic == "guideline_amount":
            return "The amount asked for fits what the guidelines allow."
        return None

    def quoted_reason(self, has_sentence: bool) -> str:
        if has_sentence:
            return "Here is the reason in the reviewer's own words."
        return "We could not find the reason in the letter. Please read this part of the letter itself."

    def next_step(
        self,
        topic: str | None,
        decision: Decision | None,
        details: list[str],
        linked: str | None,
        already_given: CareAlreadyGiven | None,
    ) -> str:
        if decision == "overturned":
            if already_given is not None:
                return (
                    "The company that handles your claim must pay for this care within 20 days after it gets this "
                    "decision, unless it appeals or disputes your claim for another reason (8 CCR 9792.10.7(a))."
                )
            return (
                "The company that handles your claim must approve this within 5 working days after it gets this "
                "decision, unless it appeals or disputes your claim for another reason (8 CCR 9792.10.7(a))."
            )
        if decision is None:
            return "Check this request in the letter. You can also ask an Information and Assistance officer for help."
        ask = "If your doctor asks again, the new request should"
        if topic == "functional_improvement":
            return f"{ask} show how this care has helped you, like less pain or doing more."
        if topic == "conservative_care":
            return f"{ask} show which simpler care you tried first, and how it went."
        if topic == "clinical_findings":
            return f"{ask} include the exam findings or test results that show you need it."
        if topic == "request_details":
            missing = [_DETAILS[d] for d in details if d in _DETAILS]
            return f"{ask} say {_join(missing, 'and')}." if missing else f"{ask} give the details the reviewer named."
        if topic == "guideline_amount":
            return f"{ask} fit what the guidelines allow, or explain why you need more."
        if topic == "safety_monitoring":
            return f"{ask} show the safety checks the guidelines ask for."
        if topic == "indication":
            return "The guidelines do not support this for you now. You can ask your doctor about other choices."
        if topic == "linked_service" and linked:
            return "If the other service is approved later, your doctor can ask for this again."
        return "Your doctor can read the reviewer's words and decide whether to ask again with more information."

    def taper_warning(self, letter_says_so: bool) -> str:
        warning = "Do not stop this medicine suddenly. Ask your doctor about lowering the dose slowly."
        if letter_says_so:
            return warning + " The letter also says this decision does not mean you should stop it all at once."
        return warning

    def already_given(self, care: CareAlreadyGiven) -> str:
        when = f" on {self.longdate(care.date)}" if care.date else ""
        return f"This request was about care you already got{when}. The review decided whether it will be paid for."

    def partial(self, authorized: str, numbers: PartialNumbers | None, whole: bool) -> str:
        text = f'Part of this was approved before this review: "{authorized}". That part stays approved.'
        if whole:
            return text + " This review looked at the original request as a whole."
        text += " This review was only about the rest."
        if numbers is not None:
            approved = numbers.approved_before
            text += (
                f" Your doctor asked for {_amount(numbers.asked)}. Of these, {_amount(approved)} had been approved "
                f"before this review. This review was about the other {_amount(numbers.reviewed)}."
            )
        return text

    def kind_sentence(self, kind: Kind) -> str:
        return f"This is a request for {_KINDS[kind]}."

    def readability(self, prose: str) -> Readability:
        grade = round(readability.english_grade(prose), 2)
        passes = grade <= readability.EN_MAX_GRADE
        return Readability(
            score=grade,
            measure="grade",
            passes=passes,
            target_met=grade <= readability.EN_TARGET_GRADE,
            problem=None if passes else f"reading grade {grade} is above {readability.EN_MAX_GRADE}",
        )
