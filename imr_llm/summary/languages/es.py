"""Spanish: plain, everyday Spanish (usted), Fernández Huerta ease of 70 or more.

A request is "una solicitud" (feminine) everywhere, so counts and participles agree:
"una solicitud ... que había sido negada", "dos solicitudes ... negadas", "Ninguna
fue aprobada". Overturned is "revocada", upheld "confirmada", records "expediente
médico".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

from imr_llm.schema import Decision
from imr_llm.summary import readability
from imr_llm.summary.facts import CareAlreadyGiven, Kind, PartialNumbers, Quantity
from imr_llm.summary.languages.base import Counts, Language, Readability, Section

# feminine forms: the counted noun is "solicitud"
_WORDS = ("cero", "una", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once", "doce")
_NUMBER = r"(?P<num>" + "|".join(_WORDS) + r"|\d+)"


def _value(word: str) -> int:
    word = word.lower()
    return _WORDS.index(word) if word in _WORDS else int(word)


def _join(parts: list[str], word: str = "o") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


_KINDS = {
    Kind.WITH_SURGERY: "un servicio que va con una cirugía",
    Kind.FUNCTIONAL_TEST: "una prueba de lo que su cuerpo puede hacer",
    Kind.SCAN: "un estudio de imagen (una foto por dentro del cuerpo)",
    Kind.NERVE_TEST: "pruebas de los nervios y los músculos",
    Kind.MEDICAL_TEST: "una prueba médica",
    Kind.THERAPY: "visitas de terapia",
    Kind.CHIROPRACTIC: "atención quiropráctica",
    Kind.ACUPUNCTURE: "acupuntura",
    Kind.VISIT: "una consulta con un médico",
    Kind.INJECTION: "una inyección",
    Kind.SURGERY: "una cirugía",
    Kind.MEDICINE: "un medicamento",
    Kind.EQUIPMENT: "equipo médico",
    Kind.HOME_HELP: "ayuda en casa",
    Kind.PROGRAM: "un programa o terapia",
    Kind.TREATMENT: "un tratamiento",
}
_HELPED = {
    Kind.MEDICINE: "este medicamento",
    Kind.THERAPY: "sus visitas anteriores",
    Kind.CHIROPRACTIC: "sus visitas anteriores",
    Kind.ACUPUNCTURE: "sus visitas anteriores",
}
_FINDINGS = {
    "nerve_signs": "señales de problemas de los nervios, como adormecimiento o debilidad",
    "red_flags": "señales de alarma de un problema grave",
    "diagnosis": "un diagnóstico para el que sirva este tratamiento",
    "imaging": "resultados de estudios de imagen que lo pidan",
    "stomach_risk": "un riesgo alto de problemas del estómago",
    "exam": "hallazgos del examen que lo pidan",
}
_SIMPLER_CARE = {
    "physical_therapy": "terapia física",
    "pills": "medicina por boca",
    "first_line_medicine": "las medicinas que se prueban primero",
    "home_exercise": "ejercicios en casa",
}
_DETAILS = {
    "how_many": "cuántas veces o cuánto",
    "how_often": "con qué frecuencia",
    "how_long": "por cuánto tiempo",
    "body_part": "para qué parte del cuerpo",
    "rent_or_buy": "si era para alquilar o comprar",
    "dose": "qué dosis",
    "goals": "las metas del tratamiento",
    "specialist": "qué tipo de especialista",
}
_UNITS = {
    "sessions": "sesiones",
    "visits": "visitas",
    "treatments": "tratamientos",
    "tablets": "tabletas",
    "capsules": "cápsulas",
    "pills": "pastillas",
    "patches": "parches",
    "units": "unidades",
    "injections": "inyecciones",
    "months": "meses",
    "month": "mes",
}


def _amount(q: Quantity) -> str:
    """ "#30" as the letter writes it, or "12 sesiones"."""
    return f"#{q.value}" if q.unit == "#" else f"{q.value} {_UNITS.get(q.unit, q.unit)}"


_MONTHS = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)


def _t(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


class Spanish(Language):
    code = "es"
    name = "Español"
    months = _MONTHS
    title = "La decisión de su Revisión Médica Independiente (IMR)"
    decided_heading = "Lo que se decidió"
    item_marker = "Solicitud"
    end_marker = "Lo que puede hacer ahora"
    why_label = "Por qué:"
    next_labels: ClassVar[dict[str | None, str]] = {
        "overturned": "Lo que pasa ahora:",
        "upheld": "Lo que podría cambiar esto:",
        None: "Qué hacer:",
    }
    reviewer_wrote = "El revisor escribió (en inglés):"
    terms_label = "Palabras de la frase del revisor:"
    letter_words_note = "El nombre está escrito tal como aparece en la carta, en inglés."
    glance_headers = ("#", "Solicitud", "Decisión")
    glance_words: ClassVar[dict[str | None, str]] = {
        "overturned": "Aprobada (Overturned)",
        "upheld": "No aprobada (Upheld)",
        None: "No se pudo leer: revise la carta",
    }
    footer = "Hecho por imr-llm a partir de la carta de Determinación Final de IMR. No es consejo legal."
    not_advice = (
        "Este resumen no es consejo legal.",
        "Explica la carta con palabras simples. La carta es la decisión oficial.",
    )
    failed_checks_banner = (
        "AVISO: este resumen no pasó sus controles de seguridad ({problems}). No se fíe de él. Lea la carta, "
        "o pida ayuda."
    )
    next_steps = Section(
        "Lo que puede hacer ahora",
        (
            "Esta decisión es final, a menos que alguien apele.",
            'Para apelar, presente un papel firmado y jurado, llamado "apelación verificada", ante la junta de '
            "apelaciones (WCAB). También debe mandar una copia a todas las partes de su caso.",
            "Tiene 30 días desde la fecha en que le mandaron la decisión por correo. Como se la mandaron por "
            "correo, tiene 5 días más (35 días en total).",
            "Solo puede apelar por unas pocas razones que pone la ley (Código Laboral, sección 4610.6(h)). La "
            "decisión se tomó sin poder legal, o pasó ese poder. Se logró con fraude. El revisor tenía un conflicto "
            "de interés serio. Hubo prejuicio por raza, origen nacional, grupo étnico, religión, edad, sexo, "
            "orientación sexual, color o discapacidad. O se basa en un hecho claramente falso, que cualquiera puede "
            "ver sin ser médico.",
            "Su médico puede pedirlo otra vez. Si su salud cambia, o hay nuevos datos médicos, su médico puede "
            "mandar una nueva solicitud.",
            "Puede recibir ayuda gratis. Los oficiales de Información y Asistencia (I&A) de la División de "
            "Compensación de Trabajadores (DWC) del estado contestan preguntas sin costo: {dwc}. También puede "
            "hablar con un abogado.",
        ),
    )
    words = Section(
        "Palabras que puede ver",
        (
            "IMR: Revisión Médica Independiente. Un médico de afuera revisa un tratamiento negado.",
            "UR: Revisión de Utilización. Es la primera revisión, la que negó la solicitud.",
            '"Medically necessary" (médicamente necesario): que hace falta para su lesión, según las guías médicas.',
            "MTUS y ODG: las guías médicas que se usan para decidir. MTUS es la de California.",
            "WCAB: la Junta de Apelaciones de Compensación de Trabajadores.",
        ),
    )
    dwc_link_text = "www.dir.ca.gov/dwc"

    approved_phrases = ("esta solicitud fue aprobada", "debe aprobarla")
    denied_phrases = ("esta solicitud no fue aprobada", "la negación se mantiene")
    unreadable_phrases = ("no la pudimos leer",)
    double_negatives = (
        _t(r"\b(?:ninguna|ninguno|nadie|nada)\b[^.]{0,40}\bno\b"),
        _t(r"\bno\b[^.]{0,20}\bno fue\b"),
    )
    decision_claims = (
        _t(r"(?<!no )\b(?:fue|fueron|está|están|es|son|sido) aprobad[oa]s?\b|\bdebe aprobar"),
        _t(r"\bno (?:fue|fueron|está|están) aprobad|\bnegad[oa]s?\b|\bconfirmada\b"),
    )
    prompt_name = "Spanish (plain, everyday Spanish, usted)"
    glossary = (
        (
            _t(r"conservative (?:care|treatment|therapy|measures)"),
            "conservative care: tratamiento más simple, como terapia física, medicinas o reposo",
        ),
        (
            _t(r"functional (?:improvement|benefit|gains)"),
            "functional improvement: poder hacer más en la vida diaria o en el trabajo",
        ),
        (
            _t(r"neurolog\w* (?:deficit|dysfunction|finding|abnormalit|compromise)"),
            "neurological deficits: señales de daño en los nervios, como debilidad o adormecimiento",
        ),
        (_t(r"red flags?"), "red flags: señales de alarma de un problema grave"),
        (_t(r"radiculopathy|radicular"), "radiculopathy: un nervio apretado o irritado en la columna"),
        (_t(r"first[- ]line"), "first-line: los tratamientos que se prueban primero"),
        (_t(r"\bNSAIDs?\b|nonsteroidal anti-inflammator"), "NSAID: una medicina para el dolor y la hinchazón"),
        (_t(r"\btopical\b"), "topical: que se pone en la piel"),
        (_t(r"\boral\b"), "oral: que se toma por la boca"),
        (_t(r"\badjunct\b"), "adjunct: algo que se suma a otro tratamiento"),
        (_t(r"\befficacy\b"), "efficacy: qué tan bien funciona"),
        (_t(r"\bobjective\b"), "objective: medido o visto por el médico, no solo lo que usted dice"),
        (_t(r"\bmodalit(?:y|ies)\b"), "modalities: tipos de tratamiento"),
        (_t(r"durable medical equipment|\bDME\b"), "durable medical equipment: equipo médico para usar en casa"),
        (_t(r"home exercise (?:program|plan)|\bHEP\b"), "home exercise program: ejercicios que usted hace en casa"),
        (_t(r"proton pump inhibitor|\bPPI\b"), "proton pump inhibitor: una medicina que baja el ácido del estómago"),
        (_t(r"gastrointestinal|\bGI\b"), "gastrointestinal: del estómago y los intestinos"),
        (
            _t(r"(?:exceptional|extenuating) (?:factors|circumstances)"),
            "exceptional factors: razones especiales para ir más allá de las guías",
        ),
        (_t(r"urine drug|drug screen"), "drug screen: un examen de orina para buscar drogas"),
        (_t(r"\bCURES\b"), "CURES: la lista de California de las medicinas fuertes que se le recetan a cada persona"),
        (_t(r"contraindicat"), "contraindication: una razón para no usar un tratamiento"),
        (_t(r"\bancillary\b"), "ancillary: atención extra que va con otro servicio"),
        (
            _t(r"maxim(?:um|al) medical improvement|\bMMI\b"),
            "maximum medical improvement: cuando ya no se espera que su salud mejore más",
        ),
        (_t(r"functional restoration"), "functional restoration: un programa para volver a sus actividades"),
        (
            _t(r"electrodiagnostic|\bEMG\b|\bNCS\b|\bNCV\b"),
            "EMG y pruebas de nervios: pruebas de cómo funcionan sus nervios y músculos",
        ),
        (_t(r"\bintoleran"), "intolerant: que no lo puede tomar, por ejemplo por efectos secundarios"),
        (_t(r"\baberrant\b"), "aberrant drug behavior: usar una medicina de una forma que no se recetó"),
        (_t(r"\bacute\b"), "acute: nuevo o reciente"),
        (_t(r"\bchronic\b"), "chronic: que dura mucho tiempo"),
        (_t(r"\btrial\b"), "trial: una prueba corta de un tratamiento, para ver si ayuda"),
        (_t(r"range of motion"), "range of motion: cuánto se puede mover una articulación"),
    )

    def longdate(self, value: dt.date) -> str:
        return f"{value.day} de {self.months[value.month - 1]} de {value.year}"

    def count(self, n: int, capital: bool = False) -> str:
        word = _WORDS[n] if 0 <= n < len(_WORDS) else str(n)
        return word.capitalize() if capital else word

    def case_line(self, case_number: str | None, decided: dt.date | None) -> str | None:
        parts = []
        if case_number:
            parts.append(f"Caso {case_number}")
        if decided:
            parts.append(f"decidido el {self.longdate(decided)}")
        return " - ".join(parts) or None

    def opening(self, c: Counts) -> str:
        intro = (
            "Usted, o alguien por usted, pidió una Revisión Médica Independiente (IMR). En esta revisión, un médico "
            "de afuera mira su expediente médico. Este médico no trabaja para su empleador ni para la compañía que "
            "maneja su reclamo."
        )
        if c.n == 1:
            asked = "El médico revisor vio una solicitud de su médico que había sido negada, del todo o en parte."
        else:
            asked = (
                f"El médico revisor vio {self.count(c.n)} solicitudes de su médico que habían sido negadas, "
                "del todo o en parte."
            )
        return " ".join([intro, asked, *self._outcome(c), *self._partial_note(c)])

    def _outcome(self, c: Counts) -> list[str]:
        if c.n == 1:
            if c.approved:
                return ["Fue aprobada."]
            if c.denied:
                return ["No fue aprobada."]
            return ["No pudimos leer su decisión. Revise la carta."]
        if c.approved == c.n:
            return ["Las dos fueron aprobadas." if c.n == 2 else f"Las {self.count(c.n)} fueron aprobadas."]
        if c.denied == c.n:
            return [
                "Ninguna de las dos fue aprobada." if c.n == 2 else f"Ninguna de las {self.count(c.n)} fue aprobada."
            ]
        if c.unreadable == c.n:
            return [f"No pudimos leer las decisiones de las {self.count(c.n)}. Revise la carta."]
        out = []
        if c.approved:
            verb = "fue aprobada" if c.approved == 1 else "fueron aprobadas"
            out.append(f"{self.count(c.approved, True)} {verb}.")
        if c.denied:
            verb = "no fue aprobada" if c.denied == 1 else "no fueron aprobadas"
            out.append(f"{self.count(c.denied, True)} {verb}.")
        if c.unreadable:
            out.append(f"En {self.count(c.unreadable)} de ellas no pudimos leer la decisión. Revise la carta.")
        return out

    def _partial_note(self, c: Counts) -> list[str]:
        if not c.partial:
            return []
        if c.n == 1:
            return ["Una parte ya había sido aprobada antes de esta revisión."]
        return [f"En {self.count(c.partial)} de ellas, una parte ya había sido aprobada antes de esta revisión."]

    def opening_claims(self, text: str) -> list[tuple[str, int]]:
        claims: list[tuple[str, int]] = []
        n = re.search(rf"vio (?:una solicitud|{_NUMBER} solicitudes)\b", text, re.I)
        if n:
            claims.append(("n", _value(n.group("num")) if n.group("num") else 1))
        rules: tuple[tuple[str, str, int | None], ...] = (
            (r"(?:^|\. )Fue aprobada\.", "approved", 1),
            (r"(?:^|\. )No fue aprobada\.", "denied", 1),
            (r"\bNo pudimos leer su decisión\b", "unreadable", 1),
            (rf"\bLas {_NUMBER} fueron aprobadas\b", "approved", None),
            (rf"\bNinguna de las {_NUMBER} fue aprobada\b", "denied", None),
            (rf"(?:^|\. ){_NUMBER} (?:fue aprobada|fueron aprobadas)\b", "approved", None),
            (rf"(?:^|\. ){_NUMBER} no (?:fue aprobada|fueron aprobadas)\b", "denied", None),
            (rf"\bEn {_NUMBER} de ellas no pudimos leer\b", "unreadable", None),
            (rf"\bNo pudimos leer las decisiones de las {_NUMBER}\b", "unreadable", None),
        )
        for pattern, field, fixed in rules:
            for m in re.finditer(pattern, text, re.I):
                claims.append((field, fixed if fixed is not None else _value(m.group("num"))))
        return claims

    def decision_line(self, decision: Decision | None, partial: bool) -> tuple[str, str]:
        on = "Decisión sobre el resto" if partial else "Decisión"
        if decision == "overturned":
            return (
                f"{on}: Overturned (revocada). Esta solicitud fue aprobada.",
                "La primera negación se cambió. La compañía que maneja su reclamo debe aprobarla.",
            )
        if decision == "upheld":
            return (f"{on}: Upheld (confirmada). Esta solicitud no fue aprobada.", "La negación se mantiene.")
        return (f"{on}: no la pudimos leer.", "Revise esta solicitud en la carta misma.")

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
                f"Su expediente no mostró que {_HELPED.get(kind, 'este tratamiento')} le haya ayudado, por ejemplo "
                "con menos dolor o pudiendo hacer más."
            )
        if topic == "conservative_care":
            care = [_SIMPLER_CARE[d] for d in details if d in _SIMPLER_CARE]
            named = f" ({_join(care)})" if care else ""
            return (
                f"Su expediente no mostró que usted probara antes un cuidado más simple{named}, o que no le sirviera."
            )
        if topic == "clinical_findings":
            found = [_FINDINGS[d] for d in details if d in _FINDINGS]
            if found:
                return f"Su expediente no mostró {_join(found)}."
            return "Su expediente no mostró los hallazgos del examen o de las pruebas que piden las guías."
        if topic == "request_details":
            missing = [_DETAILS[d] for d in details if d in _DETAILS]
            if missing:
                return f"La solicitud no dijo {_join(missing)}."
            return "La solicitud no dio todos los detalles que el revisor necesitaba."
        if topic == "guideline_amount":
            return "Se pidió más, o por más tiempo, de lo que permiten las guías."
        if topic == "indication":
            return "Las guías que usó el revisor no apoyan este tipo de atención para usted en este momento."
        if topic == "safety_monitoring":
            if "drug_tests" in details:
                return (
                    "Su expediente no mostró los controles de seguridad que piden las guías, como exámenes de drogas."
                )
            return "Al revisor le preocuparon los riesgos de esto para usted."
        if topic == "linked_service" and linked:
            if "surg" in linked.lower():
                return "Esto va con una cirugía que no fue aprobada. Por eso, esto tampoco fue aprobado."
            return f'Esto va con otro servicio ("{linked}") que no fue aprobado. Por eso, esto tampoco fue aprobado.'
        return None

    def _why(self, topic: str | None, details: list[str]) -> str | None:
        if topic == "functional_improvement":
            return "Su expediente mostró que esta atención le ha ayudado."
        if topic == "conservative_care":
            return "Su expediente mostró que se probó un cuidado más simple y usted siguió con problemas."
        if topic == "clinical_findings":
            found = [_FINDINGS[d] for d in details if d in _FINDINGS and d != "diagnosis"]
            if found:
                return f"Su expediente mostró {_join(found, 'y')}."
            return "Su expediente mostró los hallazgos del examen o de las pruebas que buscan las guías."
        if topic == "indication":
            return "Las guías apoyan este tipo de atención para su problema de salud."
        if topic == "guideline_amount":
            return "La cantidad pedida cabe en lo que permiten las guías."
        return None

    def quoted_reason(self, has_sentence: bool) -> str:
        if has_sentence:
            return "Esta es la razón con las palabras del revisor."
        return "No encontramos la razón en la carta. Lea esta parte de la carta misma."

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
                    "La compañía que maneja su reclamo debe pagar esta atención dentro de 20 días después de recibir "
                    "esta decisión, a menos que apele o dispute su reclamo por otra razón (8 CCR 9792.10.7(a))."
                )
            return (
                "La compañía que maneja su reclamo debe aprobar esto dentro de 5 días hábiles después de recibir "
                "esta decisión, a menos que apele o dispute su reclamo por otra razón (8 CCR 9792.10.7(a))."
            )
        if decision is None:
            return (
                "Revise esta solicitud en la carta. También puede pedir ayuda a un oficial de Información y Asistencia."
            )
        ask = "Si su médico lo pide otra vez, la nueva solicitud debe"
        if topic == "functional_improvement":
            return f"{ask} mostrar cómo le ha ayudado esta atención, por ejemplo con menos dolor o pudiendo hacer más."
        if topic == "conservative_care":
            return f"{ask} mostrar qué cuidado más simple probó usted antes, y cómo le fue."
        if topic == "clinical_findings":
            return f"{ask} incluir los hallazgos del examen o de las pruebas que muestran que usted lo necesita."
        if topic == "request_details":
            missing = [_DETAILS[d] for d in details if d in _DETAILS]
            if missing:
                return f"{ask} decir {_join(missing, 'y')}."
            return f"{ask} dar los detalles que pidió el revisor."
        if topic == "guideline_amount":
            return f"{ask} caber en lo que permiten las guías, o explicar por qué necesita más."
        if topic == "safety_monitoring":
            return f"{ask} mostrar los controles de seguridad que piden las guías."
        if topic == "indication":
            return "Las guías no apoyan esto para usted ahora. Puede preguntarle a su médico por otras opciones."
        if topic == "linked_service" and linked:
            return "Si el otro servicio se aprueba más adelante, su médico puede pedir esto otra vez."
        return "Su médico puede leer las palabras del revisor y decidir si lo pide otra vez con más información."

    def taper_warning(self, letter_says_so: bool) -> str:
        warning = "No deje de tomar esta medicina de golpe. Pregunte a su médico cómo bajar la dosis poco a poco."
        if letter_says_so:
            return warning + " La carta también dice que esta decisión no quiere decir que la deje de una vez."
        return warning

    def already_given(self, care: CareAlreadyGiven) -> str:
        when = f" el {self.longdate(care.date)}" if care.date else ""
        return f"Esta solicitud era sobre atención que usted ya recibió{when}. La revisión decidió si se pagará."

    def partial(self, authorized: str, numbers: PartialNumbers | None, whole: bool) -> str:
        text = f'Una parte se aprobó antes de esta revisión: "{authorized}". Esa parte sigue aprobada.'
        if whole:
            return text + " Esta revisión miró la solicitud original completa."
        text += " Esta revisión fue solo sobre el resto."
        if numbers is not None:
            approved = numbers.approved_before
            text += (
                f" Su médico pidió {_amount(numbers.asked)}. "
                f"Antes se {'aprobó' if approved.value == 1 else 'aprobaron'}"
                f" {_amount(approved)}. Esta revisión fue sobre el resto: {_amount(numbers.reviewed)}."
            )
        return text

    def kind_sentence(self, kind: Kind) -> str:
        return f"Es una solicitud de {_KINDS[kind]}."

    def readability(self, prose: str) -> Readability:
        ease = round(readability.spanish_ease(prose), 2)
        passes = ease >= readability.ES_MIN_EASE
        return Readability(
            score=ease,
            measure="ease",
            passes=passes,
            target_met=ease >= readability.ES_TARGET_EASE,
            problem=None if passes else f"reading ease {ease} is below {readability.ES_MIN_EASE}",
        )
