"""Plain words for what a letter says: the kind of treatment, and why it was decided so.

Nothing here invents a fact. A treatment is described by its kind ("a scan",
"a medicine") next to the letter's own wording of it; a reason is chosen from a
small set of plain sentences by what the rationale says, with a neutral
fallback when no pattern matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imr_llm.parser.verdict import conclusion_sentence
from imr_llm.schema import DisputedItem

Lang = str  # "en" | "es"


@dataclass(frozen=True)
class Kind:
    pattern: re.Pattern[str]
    en: str
    es: str


def _k(pattern: str, en: str, es: str) -> Kind:
    return Kind(re.compile(pattern, re.I), en, es)


# First match wins: specific before general.
KINDS: tuple[Kind, ...] = (
    _k(
        r"associated surgical service|post-?op|pre-?op",
        "a service that goes with a surgery",
        "un servicio que va con una cirugía",
    ),
    _k(
        r"\b(?:MRI|magnetic resonance|CT\b|CAT scan|computed tomography|x-?rays?|radiograph|ultrasound|bone scan|"
        r"imaging|scan)\b",
        "a scan or picture of the inside of your body",
        "un estudio de imagen (una foto por dentro)",
    ),
    _k(
        r"\b(?:EMG|NCS|NCV|electromyograph|nerve conduction|electrodiagnostic)",
        "nerve and muscle tests",
        "pruebas de los nervios y músculos",
    ),
    _k(
        r"\b(?:EKG|ECG|electrocardiogram|echocardiogram|holter|lab|blood test|urine|drug screen|sleep study)\b",
        "a medical test",
        "una prueba médica",
    ),
    _k(
        r"physical therapy|\bPT\b|physiotherapy|occupational therapy|\bOT\b|hand therapy|chirophysio|"
        r"work hardening|aquatic",
        "therapy visits",
        "visitas de terapia",
    ),
    _k(r"chiropract|manipulation", "chiropractic care", "atención quiropráctica"),
    _k(r"acupunct", "acupuncture", "acupuntura"),
    _k(
        r"inject|epidural|\bblock\b|\bESI\b|trigger point|radiofrequency|ablation",
        "a shot (injection)",
        "una inyección",
    ),
    _k(
        r"surgery|surgical|arthroscop|ectomy|plasty|otomy|repair|release|fusion|decompression|replacement",
        "a surgery",
        "una cirugía",
    ),
    _k(
        r"\b(?:mg|mcg|tablets?|capsules?|cream|gel|patch|ointment|lotion|solution|refills?|supply)\b|#\s?\d|"
        r"\d+\s?%|compound",
        "a medicine",
        "un medicamento",
    ),
    _k(
        r"brace|splint|support|wheelchair|walker|cane|crutch|pillow|mattress|\bbed\b|chair|commode|TENS|"
        r"H-?wave|\bunit\b|device|orthotic|collar|cushion|equipment|DME|workstation|cold therapy|hot/cold",
        "medical equipment",
        "equipo médico",
    ),
    _k(r"home health|nursing|aide|caregiver|housekeeping", "help at home", "ayuda en casa"),
    _k(
        r"office visit|follow-?up|consult|evaluation|referral|specialist|visit", "a doctor visit", "una consulta médica"
    ),
    _k(
        r"gym|membership|exercise|program|functional restoration|psycholog|counsel|cognitive",
        "a program or therapy",
        "un programa o terapia",
    ),
)


def treatment_kind(request: str, lang: Lang) -> str:
    for kind in KINDS:
        if kind.pattern.search(request):
            return kind.en if lang == "en" else kind.es
    return "a treatment" if lang == "en" else "un tratamiento"


@dataclass(frozen=True)
class Reason:
    pattern: re.Pattern[str]
    decision: str  # "upheld" | "overturned" | "any"
    en: str
    es: str


def _r(pattern: str, decision: str, en: str, es: str) -> Reason:
    return Reason(re.compile(pattern, re.I), decision, en, es)


REASONS: tuple[Reason, ...] = (
    _r(
        r"requested surgical (?:intervention|procedure)? ?is not medically necessary|ancillary|associated surgical",
        "upheld",
        "The surgery this goes with was not approved, so this was not approved either.",
        "La cirugía con la que va no fue aprobada, así que esto tampoco.",
    ),
    _r(
        r"already (?:been )?(?:authorized|approved|certified)|was authorized a|previously authorized",
        "upheld",
        "Part of this was already approved. The reviewer did not approve more than that.",
        "Una parte ya fue aprobada. El revisor no aprobó más que eso.",
    ),
    _r(
        r"exceeds?|in excess of|more than (?:the )?(?:recommended|guideline)|(?:allow|recommend)s? (?:for )?(?:up to )?"
        r"\d+ (?:visits|sessions)",
        "upheld",
        "More was asked for than the guidelines allow at this point.",
        "Se pidió más de lo que las guías permiten por ahora.",
    ),
    _r(
        r"urine drug|drug screen|opioid (?:agreement|contract)|aberrant|monitoring|four A's|4 A's",
        "upheld",
        "The records did not show the checks that are needed to keep taking this pain medicine.",
        "Los registros no mostraron los controles que se necesitan para seguir con esta medicina para el dolor.",
    ),
    _r(
        r"functional (?:improvement|benefit)|objective (?:functional )?(?:improvement|benefit)|efficacy|pain relief|"
        r"(?:no|lack of) (?:documented )?(?:improvement|benefit)",
        "upheld",
        "The records did not show that this treatment has helped you feel better or do more.",
        "Los registros no mostraron que este tratamiento le haya ayudado a sentirse mejor o a hacer más.",
    ),
    _r(
        r"failed (?:to improve with )?conservative|conservative (?:treatment|care|therapy)|first-?line|"
        r"trial and failure|trail and failure|not tried",
        "upheld",
        "The records did not show that simpler treatments were tried first.",
        "Los registros no mostraron que se probaran antes tratamientos más simples.",
    ),
    _r(
        r"red flags?|neurolog\w* (?:deficits?|findings)|objective findings|physical (?:exam|examination) "
        r"(?:did not|does not|failed)|no (?:significant )?(?:clinical )?findings",
        "upheld",
        "Your exam did not show the kind of signs that call for this.",
        "Su examen no mostró las señales que harían falta para esto.",
    ),
    _r(
        r"not recommended|experimental|insufficient (?:evidence|studies)|lack of (?:quality )?evidence|"
        r"not supported",
        "upheld",
        "The medical guidelines do not recommend this for your condition.",
        "Las guías médicas no recomiendan esto para su problema de salud.",
    ),
    _r(
        r"(?:lack|absence) of (?:clinical )?documentation|not (?:documented|provided|clear)|no documentation",
        "upheld",
        "The records sent for review did not give enough information to support this.",
        "Los registros enviados no dieron suficiente información para apoyar esto.",
    ),
    _r(
        r".",
        "upheld",
        "The reviewer found that the records did not support this under the medical guidelines.",
        "El revisor decidió que los registros no apoyaban esto según las guías médicas.",
    ),
    _r(
        r"failed|persistent|despite|continued (?:pain|symptoms)",
        "overturned",
        "Your symptoms went on even after other care, and the guidelines support this next step.",
        "Sus síntomas siguieron aun con otros cuidados, y las guías apoyan este paso.",
    ),
    _r(
        r".",
        "overturned",
        "The reviewer found that your records meet the medical guidelines for this.",
        "El revisor decidió que sus registros cumplen con las guías médicas para esto.",
    ),
)


def plain_reason(item: DisputedItem, lang: Lang) -> str:
    """One plain sentence for why, chosen by what the rationale says."""
    text = item.rationale or item.rationale_first_sentence or " "
    for reason in REASONS:
        if reason.decision in (item.decision, "any") and reason.pattern.search(text):
            return reason.en if lang == "en" else reason.es
    raise AssertionError("the catch-all reasons match any non-empty text")  # pragma: no cover


def reviewer_words(item: DisputedItem) -> str | None:
    """The rationale's concluding sentence, quoted as the reviewer wrote it."""
    if not item.rationale:
        return None
    sentence = conclusion_sentence(item.rationale)
    if sentence and not sentence.endswith((".", "?", "!")):
        sentence += "."
    return sentence
