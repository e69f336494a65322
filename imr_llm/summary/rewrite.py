"""LLM-assisted reasons: a model rewrites each item's plain reason from the reviewer's own sentences.

The model sees, per item, the decision and the sentences the parser chose from the
rationale (never the rest of the letter), and returns one plain reason per item. The
opening, the decision lines, the next steps and the legal part are never written by
the model. A rewritten reason is rejected when it states a decision (or the opposite
one), adds a date, number, name or medical word that is not in the item's sentences,
its request or the glossary, or is missing; then the whole summary is checked again,
and on any problem the offline summary stands and the reasons are reported.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel, Field

from imr_llm.care.drugs import DOSE_TIMES_A_DAY
from imr_llm.errors import ImrError
from imr_llm.llm.cache import ResponseCache
from imr_llm.llm.call import CallRequest, ModelCall
from imr_llm.llm.prompts import PromptTemplate
from imr_llm.llm.speedups import CachedSchemaModel
from imr_llm.llm.transport import Transport
from imr_llm.schema import LetterRecord
from imr_llm.summary.checks import SummaryChecks, check_summary, plain_problems
from imr_llm.summary.formats import Format
from imr_llm.summary.languages import Language, get_language
from imr_llm.summary.model import ItemSummary, PlainSentence, Summary, SummaryOutcome
from imr_llm.summary.render import render_text
from imr_llm.summary.restate import NEGATION as EN_NEGATION
from imr_llm.words import NUMBER_WORDS


class ReasonRewrite(BaseModel):
    number: int = Field(ge=1)
    reason: str = Field(min_length=10, max_length=400)


class SummaryRewrite(CachedSchemaModel):
    items: list[ReasonRewrite] = Field(max_length=60)


_SCHEMA_HASH = hashlib.sha256(str(SummaryRewrite.model_json_schema()).encode()).hexdigest()[:16]


_FACT = re.compile(r"\b\d+(?:[.,/]\d+)*\b|\b[A-Z]{2,}[A-Za-z0-9]*\b|(?<=\s)[A-Z][a-z]+\b")
_MEDICAL = re.compile(
    r"\b\w+(?:ectomy|otomy|plasty|scopy|codone|morphone|profen|azepam|azolam|prazole|mycin|caine|itis|algia)\b", re.I
)


def facts_for_model(offline: Summary) -> str:
    return json.dumps(
        [
            {
                "number": item.number,
                "decision": {"overturned": "approved", "upheld": "not approved", None: "unknown"}[item.decision],
                "reviewer_sentences": item.reason.sentences,
            }
            for item in offline.items
            if item.reason.sentences and item.decision is not None
        ],
        ensure_ascii=False,
        indent=1,
    )


_WORDS = re.compile(r"[^\W\d_]+")
# words of English prose (a rewrite asked for in another language that came back in English)
_ENGLISH_WORDS = re.compile(r"\b(?:the|and|will|your|you|is|are|of|for|with|this|that|not|was)\b", re.I)
# the reviewer's (English) sentences speak of payment, coverage, approval, a cure or the future
_OUTCOME_SOURCE = re.compile(
    r"\b(?:will|would|going to|pay\w*|paid|cover\w*|approv\w*|authori[sz]\w*|certif\w*|cur(?:e|ed|es)|heal\w*)\b", re.I
)


def reason_problems(text: str, item: ItemSummary, language: Language) -> list[str]:
    """Why a rewritten reason cannot replace the offline one (empty: it can). The same tests as an
    offline plain sentence (`checks.plain_problems`: no added finding, no dropped qualifier, the
    negation kept, records only where the reviewer named them, no promise), plus: no decision stated
    (the decision line does that), no date, number, name or medical word that is not in the item's
    sentences, its request or the glossary, and no runaway repetition."""
    problems: list[str] = []
    if _MARKUP.search(text):  # a link, a tag, a control character: a reason is plain words (the page neutralises it)
        problems.append(f"item {item.number}: the reason holds markup or control characters")
    # "No, the reviewer found the record that ...": an answer word before a comma negates nothing that follows
    if language.answer_words is not None:
        text = language.answer_words.sub("", text)
    if any(pattern.search(text) for pattern in language.decision_claims):
        problems.append(f"item {item.number}: the reason states a decision (the decision line does that)")
    reviewer = " ".join(item.reason.sentences)
    if language.promises.search(text):
        problems.append(f"item {item.number}: the reason promises care, payment or an outcome, or gives advice")
    elif language.outcome_kinds:
        # each kind on its own: a reviewer who wrote "would" does not let a translation say "will be authorized"
        spoken = [kind for kind, rx in language.outcome_kinds.items() if rx.search(text)]
        unsaid = [kind for kind in spoken if not _EN_OUTCOME_KINDS.get(kind, _NEVER).search(reviewer)]
        if unsaid:
            problems.append(
                f"item {item.number}: the reason speaks of payment, coverage or what will happen ({', '.join(unsaid)}),"
                " which the reviewer's words do not"
            )
    elif language.outcomes.search(text) and not _OUTCOME_SOURCE.search(reviewer):
        # "La aseguradora pagará las 12 sesiones": payment, coverage, approval, a cure or the future, which the
        # reviewer's sentences never spoke of (word lists of promises leak; this is any such word at all)
        problems.append(f"item {item.number}: the reason speaks of payment, coverage or what will happen")
    own_words = f"{reviewer} {item.request}"
    if language.c.reason.slot_mode == "plain":
        own_words += f" {item.reason.text}"  # the page's own line of the item, which a rewrite may reuse
    for kind, pattern in language.logic_words.items():
        # "if there is no record" for "there is no record", "because", "?", "Your doctor found that ...", scare quotes
        if len(pattern.findall(text)) > len(_EN_LOGIC.get(kind, pattern).findall(own_words)):
            problems.append(
                f"item {item.number}: the reason adds {_LOGIC_NAMES.get(kind, kind)}, which the reviewer's words do not"
            )
    if (
        item.decision == "overturned"
        and language.c.checks.past_words
        and len(re.findall(language.c.checks.past_words, text, re.I)) > len(_EN_PAST.findall(own_words))
    ):
        # "you had persistent pain", "you used to have", "usted tenía dolor": the findings an approval rests on put
        # in the past (a denial's "there was no record" for "there is no documentation" says the same)
        problems.append(f"item {item.number}: the reason puts in the past what the reviewer's words do not")
    said_contrast = _contrast(f"{reviewer} {item.request}")
    if not _contrast(text) <= said_contrast:
        # "MRI ... without contrast" said "with contrast" or "contrast MRI": the study's own kind turned round
        problems.append(f"item {item.number}: the reason says contrast where the request and reviewer say otherwise")
    words = _WORDS.findall(text.casefold())
    if words and max(words.count(w) for w in set(words)) > max(4, len(words) // 4):
        problems.append(f"item {item.number}: the reason repeats itself")
    # a dose's abbreviation counts as the count it says ("tid": "3 times a day")
    spelled = [_dosing_spelled(x) for x in item.reason.sentences]
    source = " ".join([*item.reason.sentences, *spelled, item.request, *item.reason.terms]).casefold()
    for fact in set(_FACT.findall(text)) | set(_MEDICAL.findall(text)):
        if fact.casefold() not in source and fact.casefold() not in _common_words(language):
            problems.append(f"item {item.number}: {fact!r} is not in the reviewer's sentences")
    # numbers written as words ("ocho", "six") are numbers too
    counted = _with_digits(text, {w: k for k, w in enumerate(language.c.numbers)})
    sentences = [_with_digits(_dosing_spelled(x), NUMBER_WORDS) for x in item.reason.sentences]
    if (mixed := _numbers_mixed(counted, sentences)) is not None:
        problems.append(f"item {item.number}: the reason puts together numbers the reviewer wrote apart ({mixed})")
    if (moved := _unit_changed(counted, [*sentences, _with_digits(item.request, NUMBER_WORDS)], language)) is not None:
        problems.append(f"item {item.number}: the reason puts a number with another unit than the reviewer ({moved})")
    held = set(_NUMBER.findall(" ".join([*sentences, _with_digits(item.request, NUMBER_WORDS)])))
    if unsaid_numbers := sorted(set(_NUMBER.findall(counted)) - held - set(_NUMBER.findall(text))):
        # "cuatro semanas" where the reviewer wrote eight: a number written as a word is checked as digits are
        problems.append(f"item {item.number}: the reason gives a number the reviewer did not ({unsaid_numbers[0]})")
    hedges, english = language.hedges, get_language("en").hedges  # the reviewer's words are English
    if hedges and (hedge := hedges.search(text)) is not None and not (english and english.search(reviewer)):
        # "the request may exceed the trial": a doubt the reviewer did not have
        problems.append(f"item {item.number}: the reason hedges ({hedge.group(0)!r}) where the reviewer did not")
    if (
        language.record_words is not None
        and _RECORD_ABSENCE.search(reviewer)
        and not language.record_words.search(text)
    ):
        # "no documented weakness" is what the records lack, never "you have no weakness" (a finding about you)
        problems.append(f"item {item.number}: the reason drops that the reviewer wrote of the records")
    if language.c.reason.slot_mode == "plain":  # same language as the letter: word by word
        licensed = set(_WORDS.findall(f"{own_words} {' '.join(p.text for p in item.reason.plain)}".casefold()))
        licensed |= {w[:-1] for w in licensed if w.endswith("s")} | {f"{w}s" for w in licensed}  # "guideline(s)"
        if licensed & _CLINICIANS:  # "your doctor" for "the requesting physician" (a probe: refused, a false alarm)
            licensed |= {"doctor", "doctors"}
        sense = set(language.c.checks.rewrite_sense_words.split())
        if unsourced := sorted(w for w in set(words) & sense if w not in licensed):
            # "exceeds the trial and is within the guidelines": joining words alone can say the opposite
            problems.append(
                f"item {item.number}: the reason adds {', '.join(repr(w) for w in unsourced[:3])}, which the "
                "reviewer's words do not have"
            )
        if _YOU.search(item.reason.text) and not _YOU.search(text):
            # "The reviewer has persistent pain": the worker's findings put on another (the page's line is about you)
            problems.append(f"item {item.number}: the reason no longer says whom the finding is about (you)")
        plain = PlainSentence(text=text, source=" ".join(item.reason.sentences), form="llm")
        # the model may reuse the page's own wording of this item and its glossary lines, no other catalogue words
        own = " ".join([item.reason.text, *(p.text for p in item.reason.plain), *item.reason.terms])
        problems += [f"item {item.number}: {p}" for p in plain_problems(plain, item.request, language, own)]
        if _YOU_HAVE_NO.search(text) and not _PERSON_HAS.search(reviewer):
            problems.append(f"item {item.number}: the reason says what you have where the reviewer did not")
        moved = _unnegated(" ".join(item.reason.sentences), text) or _denial_moved_off(
            " ".join(item.reason.sentences), text
        )
        if moved:
            problems.append(f"item {item.number}: the reason no longer denies what the reviewer denied ({moved})")
        if _double_negated(text) and not _double_negated(" ".join(item.reason.sentences)):
            # "no indication you were not diagnosed", "not no indication": the denial turned round
            problems.append(f"item {item.number}: the reason adds a double negative the reviewer did not write")
        for said, needs in _EN_SENSES.items():
            if (m := said.search(text)) is not None and not needs.search(f"{reviewer} {item.request}"):
                # "less than eight weeks" for "more than eight weeks", "a negative sign" for "a positive sign"
                problems.append(f"item {item.number}: {m.group(0)!r} says what the reviewer's words do not")
        if (shuffled := _out_of_order(text, reviewer)) is not None:
            # the reviewer's own words in another order or more often: "no documentation that the request exceeds
            # the trial" (the denial moved over the finding), "and" made "or", a sentence of the reviewer's words
            # added ("The recommended initial trial is the request."), "but" moved to another clause
            problems.append(f"item {item.number}: the reason {shuffled}")
        if _negated_clauses(text, _NEGATOR, _EN_CLAUSE) > _negated_clauses(reviewer, _NEGATOR, _EN_CLAUSE):
            # "the request does not exceed the trial", "The reviewer did not find that ...": a denial the reviewer
            # did not write (a rejected rewrite leaves the offline sentence, which is the reviewer's own)
            problems.append(f"item {item.number}: the reason denies something the reviewer's words do not")
    else:  # a translation: in the language asked for, and the negation must survive it
        if len(_ENGLISH_WORDS.findall(text)) >= 3:
            problems.append(f"item {item.number}: the reason is not written in the language asked for")
        shape = _translation_shape(text, reviewer, language, item.reason.sentences)
        problems += [f"item {item.number}: {p}" for p in shape]
        for word in _unsourced_conditions(text, f"{reviewer} {item.request}", language):
            problems.append(f"item {item.number}: {word!r} names a condition the reviewer's words do not")
        for said, english in language.care_words.items():
            if (m := said.search(text)) is not None and not english.search(f"{reviewer} {item.request}"):
                problems.append(f"item {item.number}: {m.group(0)!r} names care or a condition the reviewer's do not")
        if (added := _negation_added(text, item.reason.sentences, language)) is not None:
            problems.append(f"item {item.number}: the reason denies {added!r}, which the reviewer's words do not deny")
        for verb, (_, denied) in language.denied_verbs.items():
            # "no necesariamente apoyan" where the reviewer's "which is supportive of" denied nothing: the denial moved
            # onto the support the reviewer gave
            stem = verb[:7]
            if (
                (m := denied.search(text)) is not None
                and re.search(stem, reviewer, re.I)
                and not re.search(rf"\b(?:not|no|without|lack\w*|absence)\b[^.;,]{{0,60}}{stem}", reviewer, re.I)
            ):
                problems.append(
                    f"item {item.number}: the reason denies {m.group(0)!r}, which the reviewer's words do not"
                )
        for said, english in language.qualifiers.items():
            if (m := said.search(text)) is not None and not english.search(f"{reviewer} {item.request}"):
                problems.append(f"item {item.number}: {m.group(0)!r} qualifies what the reviewer's words do not")
        for english, kept in language.kept_qualifiers.items():
            if (m := english.search(reviewer)) is not None and not kept.search(text):
                problems.append(f"item {item.number}: the reason drops the reviewer's {m.group(0)!r}")
        if (only := _ONLY_N.search(reviewer)) is not None and not re.search(
            rf"\b(?:{language.c.checks.only_words})\b(?: \w+){{0,2}} {only.group(1)}\b", text, re.I
        ):
            # "by only 2 sessions": "por más de 2", "por al menos 2" turn the reviewer's small excess into a large one
            problems.append(f"item {item.number}: the reason drops the reviewer's 'only' before {only.group(1)}")
        for said, english in language.body_parts.items():
            if (m := said.search(text)) is not None and not english.search(f"{reviewer} {item.request}"):
                problems.append(f"item {item.number}: {m.group(0)!r} names a body part the reviewer's words do not")
        source_negated = bool(EN_NEGATION.search(" ".join(item.reason.sentences)))
        if source_negated != bool(language.negation.search(text)):
            problems.append(f"item {item.number}: the reason does not keep the reviewer's negation")
        elif _negated_clauses(text, language.negation, _ANY_CLAUSE) < _negated_clauses(
            reviewer, EN_NEGATION, _ANY_CLAUSE
        ):
            # "y hay documentación" for "and there is no documentation": one of the reviewer's denials dropped
            problems.append(f"item {item.number}: the reason drops one of the reviewer's negations")
        if _EN_NO_EVIDENCE.search(reviewer) and (shown := _evidence_not_denied(text, language)) is not None:
            # "había evidencia de signos de alarma pero no de déficit", "la evidencia de signos de alarma no mostraba
            # ...": the "no" moved off what the reviewer found none of
            problems.append(f"item {item.number}: the reason says there is {shown!r} where the reviewer found none")
        stopped = language.care_stopped
        if stopped and (m := stopped.search(text)) is not None and not _EN_STOPPED.search(f"{reviewer} {item.request}"):
            # "ha dejado de tomar Norco" for "has been taking Norco": a fact about the worker turned round
            problems.append(f"item {item.number}: {m.group(0)!r} says care stopped, which the reviewer's words do not")
        if _turned_round(text, language) and not _double_negated(" ".join(item.reason.sentences)):
            # "no es cierto que ... no se recomiendan", "salvo cuando", "para no recomendar", "cuando no hay":
            # a translation that denies the denial, or moves it under an exception the reviewer never made
            problems.append(f"item {item.number}: the reason turns the reviewer's negation round")
    return problems


# each kind of logic in the reviewer's English, which a rewrite may say as often (see logic_words): a cause is also
# "as ...", "given ...", "therefore"; a doctor's finding is any clinician's
_EN_LOGIC = {
    "condition": re.compile(r"\bif\b|\bunless\b|\bwhether\b|\bprovided that\b", re.I),
    "cause": re.compile(
        r"\bbecause\b|\bsince\b|\bdue to\b|\bas a result\b|\bso that\b|\bgiven\b|(?:^|[,;.]\s*)as\b|\btherefore\b|"
        r"\bthus\b|\bhence\b",
        re.I,
    ),
    "question": re.compile(r"\?|\basked (?:whether|if|why|how)\b|\bwonder\w*|\bunclear\b|\bnot clear\b", re.I),
    "attribution": re.compile(
        r"\b(?:doctor|physician|provider|clinician|surgeon|therapist)s?\s+(?:\w+\s+)?(?:found|wrote|said|noted|stated|"
        r"agreed|asked|decided|documented|indicated|reported|recommended|requested|felt|believed)\b",
        re.I,
    ),
    "quotes": re.compile(r"[\"\u201c\u201d]|(?<![\w'])'(?=\w)"),
}


_LOGIC_NAMES = {
    "condition": "a condition",
    "cause": "a cause",
    "question": "a question",
    "attribution": "a finding someone else made",
    "quotes": "quotation marks",
    "favour": "a finding for you",
}


# what the reviewer's English speaks of, for each kind of outcome a translation may name (see outcome_kinds)
_EN_OUTCOME_KINDS = {
    kind: re.compile(pattern, re.I)
    for kind, pattern in {
        "pay": r"\bpa(?:y|id|ying|yment|yments)\b|\breimburs\w*",
        "cover": r"\bcover\w*",
        "approve": r"\bapprov\w*|\bauthori[sz]\w*|\bcertif\w*|\bpermi\w*|\ballow\w*",
        "cure": r"\bcur(?:e|ed|es|ing)\b|\bheal\w*|\bresolv\w*",
        "future": r"\bwill\b|\bwould\b|\bshall\b|\bgoing to\b",
        "win": r"\bwin\b|\bwon\b|\blos[te]\b",
        "modal": r"\b(?:must|should|may|might|can|could|need|needs|ought|has to|have to|cannot)\b|n't\b",
        "insurer": r"\binsur\w*|\bcarrier\b|\bclaims administrator\b|\bemployer\b|\bpayer\b",
        "deny": r"\bden(?:y|ied|ial|ies|ying)\b|\breject\w*|\bnon-?certif\w*|\bupheld\b",
        "stance": r"\bagainst\b|\bin favou?r\b|\bprevent\w*|\bpreclud\w*|\bregardless\b",
        "comment": r"\bwhich\b",
        "never": r"\bnever\b|\bno one\b|\bnobody\b",
        # a condition on the reviewer's words ("solo si usted duerme mal", "después de la cirugía") only where the
        # reviewer's English has one
        "condition": r"\bif\b|\bonly\b|\bwhile\b|\bafter\b|\bunless\b|\bwhen\b|\bprovided\b|\bin case\b|\bbefore\b|"
        r"\buntil\b|\bfollowing\b|\bpost-?op\w*|\bprior to\b",
        # how long the worker has had the care ("que usted toma desde hace años") only where the reviewer's does
        "history": r"\bfor (?:years|months|a long time)\b|\bsince\b|\blong[- ]term\b|\bchronic\b|\bprevious\w*\b|"
        r"\bprior\b|\bhistory\b|\bhas been (?:on|taking|using)\b|\bcontinu\w*",
        # a finding about the worker ("y usted tiene estenosis espinal") only where the reviewer wrote of the worker
        "worker": r"\b(?:patient|claimant|applicant|injured worker|employee|individual|he|she|his|her)\b",
        "discredit": r"\berror\w*|\bfalse\w*|\berroneous\w*|\bincorrect\w*|\bmistaken\w*|\bsupposed\w*|\bdoubtful\b|"
        r"\bquestionable\b",
    }.items()
}
_NEVER = re.compile(r"(?!)")
# a comparison, a test's result or a change in an English rewrite needs the same sense in the reviewer's words (a
# translation's are in its language's `qualifiers`)
_EN_SENSES = {
    re.compile(rf"\b(?:{said})\b", re.I): re.compile(rf"\b(?:{needs})", re.I)
    for said, needs in {
        r"less than|fewer than": r"less than|fewer than|under|below|within|shorter|only",
        r"more than|greater than": r"more than|over|greater|exceed|beyond|longer|at least|in excess|past",
        r"negative": r"negative|normal|unremarkable|absent|benign",
        r"positive": r"positive|abnormal",
        r"improved|improving|got better|gotten better": r"improv|better|relie|benefit|gain|progress|respon",
        r"worse|worsened|worsening": r"wors|deteriorat|progress|declin|aggravat|exacerbat",
    }.items()
}
_CLINICIANS = frozenset(
    {"physician", "physicians", "provider", "providers", "clinician", "clinicians", "surgeon", "surgeons", "md"}
)
_YOU = re.compile(r"\byou(?:r|rs|rself)?\b", re.I)
_EN_PAST = re.compile(
    r"\b(?:had|was|were|did|used to|no longer|anymore|any more|formerly|previously|in the past|prior|previous|"
    r"before|history|"
    # a case's events told in the past ("The claimant reported less pain"): "usted reportó" says it as they did
    r"reported|underwent|completed|attended|tried|received|showed|demonstrated|presented|experienced|sustained|"
    r"developed|returned|began|started|stopped|took|went|felt|"
    # "has been taking": "ha estado tomando", "ha tomado" say it as the reviewer did
    r"ha(?:s|ve) been|ha(?:s|ve) (?:\w+ed|taken|given|seen|shown|done|had))\b",
    re.I,
)
_EN_CONNECTORS = re.compile(r"\b(?:but|however|although|though|while|whereas|yet|despite|nevertheless|even)\b|;", re.I)
_EN_JOINS = re.compile(
    r",\s*(?:and|or|nor|but|so|yet|which|who)\b|;|\b(?:so|therefore|thus|hence|however|while|whereas|although|though)\b",
    re.I,
)
_EN_AND = re.compile(r"\band\b", re.I)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[\"\u201d)]*\s+")


_NUMBER = re.compile(r"\b\d+(?:[.,/]\d+)*\b")
_RECORD_ABSENCE = re.compile(
    r"\b(?:no|without|lack of|absence of)\s+(?:\w+\s+){0,2}?(?:documented|documentation|recorded|records?|noted|"
    r"evidence|mention|notation)\b|\bnot (?:been )?(?:documented|noted|recorded|mentioned)\b|"
    r"\b(?:does|did|do) not (?:document|note|record|mention)\b",
    re.I,
)
_YOU_HAVE_NO = re.compile(r"\byou (?:have|had|has) no\b|\byou (?:do|did) not have\b|\byou don't have\b", re.I)
_PERSON_HAS = re.compile(
    r"\b(?:patient|claimant|applicant|worker|employee|individual|he|she)\b[^.]{0,40}?\b(?:has|had|have)\b", re.I
)


# a dose's count written as a prescription's abbreviation ("bid": "dos veces al día", as the offline page says it)
_DOSING = (
    *((re.compile(rf"\b{p}\b\.?", re.I), f"{n} times a day") for p, n in DOSE_TIMES_A_DAY),
    (re.compile(r"\btwice (?:a day|daily)\b", re.I), "2 times a day"),
    (re.compile(r"\btwice\b", re.I), "2 times"),  # "twice a week": "dos veces por semana"
    (re.compile(r"\bthree times daily\b", re.I), "3 times a day"),
)


def _dosing_spelled(text: str) -> str:
    """The reviewer's words with a dose's abbreviation as the count it says ("bid": "2 times a day")."""
    for abbreviation, spelled in _DOSING:
        text = abbreviation.sub(spelled, text)
    return text


def _with_digits(text: str, words: dict[str, int]) -> str:
    """`text` with a language's number words as digits, from two up ("one", "una" are also "a")."""
    table = {w.casefold(): str(k) for w, k in words.items() if k >= 2}
    if not table:
        return text
    pattern = re.compile(rf"\b(?:{'|'.join(map(re.escape, table))})\b", re.I)
    return pattern.sub(lambda m: table[m.group(0).casefold()], text)


def _counts(text: str, units: dict[str, re.Pattern[str]]) -> set[tuple[str, str]]:
    """(number, what it counts) for each number followed, within three words, by a unit word of `units`."""
    found = set()
    for m in re.finditer(r"\d+", text):
        words = re.findall(r"[^\W\d_]+|\d+", text[m.end() : m.end() + 60])[:4]
        for word in words:
            if word.isdigit():
                break
            unit = next((u for u, rx in units.items() if rx.match(word)), None)
            if unit is not None:
                found.add((m.group(0), unit))
                break
    return found


def _unit_changed(text: str, sources: Sequence[str], language: Language) -> str | None:
    """A number the reviewer's words count in one unit that the rewrite counts in another ("6 weeks" or "6 semanas"
    for "6 sessions"); None when each count the rewrite gives is one of the reviewer's (or of the request's)."""
    english = get_language("en").unit_words
    if not language.unit_words or not english:
        return None
    theirs = {pair for source in sources for pair in _counts(source, english)}
    numbers = {n for n, _ in theirs}
    for n, unit in sorted(_counts(text, language.unit_words)):
        if n in numbers and (n, unit) not in theirs:
            return f"{n} {unit}"
    return None


def _numbers_mixed(text: str, reviewer_sentences: Sequence[str]) -> str | None:
    """A sentence of the rewrite whose numbers no one sentence of the reviewer's holds together ("completed 8
    sessions" where the reviewer's 8 was the sessions asked for, in another sentence than the 6 completed), when
    the rewrite has no fewer sentences than the reviewer (so it merged none); None when each is one sentence's."""
    ours = [x for x in _SENTENCE_SPLIT.split(text.strip()) if x.strip()]
    theirs = [set(_NUMBER.findall(x)) for x in reviewer_sentences]
    if len(ours) < len(theirs) or len(theirs) < 2:
        return None
    for sentence in ours:
        # a number no sentence of the reviewer's holds (the request's "#60") is the fact check's to judge
        numbers = {n for n in _NUMBER.findall(sentence) if any(n in held for held in theirs)}
        if numbers and not any(numbers <= held for held in theirs):
            return ", ".join(sorted(numbers))
    return None


def _negation_added(text: str, reviewer_sentences: Sequence[str], language: Language) -> str | None:
    """A word a translation's clause denies whose English the reviewer wrote only outside any denial ("usted no
    reportó beneficio" where the reviewer's "reported benefit from previous sessions" denied nothing), matched by
    the spelling the two languages share ("beneficio", "benefit")."""
    clauses = language.translation_clauses
    if clauses is None:
        return None
    denied: set[str] = set()
    said: set[str] = set()
    before: set[str] = set()  # words a clause states before its denial ("there is indication of X that has not ...")
    for sentence in reviewer_sentences:
        for clause in _CLAUSE_END.split(sentence):  # "no X or any Y": the denial reaches past "or"
            m = EN_NEGATION.search(clause)
            keys = {_cognate_key(w)[:5] for w in re.findall(r"[^\W\d_]{5,}", clause[m.end() :] if m else clause)}
            (denied if m else said).update(keys)
            if m is not None:
                before.update(_cognate_key(w)[:5] for w in re.findall(r"[^\W\d_]{5,}", clause[: m.start()]))
    for clause in clauses.split(text):
        m = language.negation.search(clause)
        if m is None:
            continue
        # "no hay indicios de ...": a denial that something exists reaches the words the reviewer stated as there,
        # before a denial of something else in their clause (a probe: "there is indication of X that has not
        # improved" became "no hay indicios de X"); a denied verb ("no se recomienda la acupuntura") may put its
        # subject after it, so only a denial of existence is held to those words
        existence = language.denied_existence
        stated = said | before if existence is not None and existence.match(clause, m.start()) else said
        for found in re.finditer(r"[^\W\d_]{5,}", clause[m.end() :]):
            key = _cognate_key(found.group(0))[:5]
            if key in stated and key not in denied:
                return found.group(0)
    return None


def _translation_shape(
    text: str, reviewer: str, language: Language, reviewer_sentences: Sequence[str] = ()
) -> list[str]:
    """A translation's shape: each sentence opens as the reviewer's words are reported (never "No hay duda:", "Las
    inyecciones van a ser autorizadas.", "El revisor escribió erróneamente que"), and no joining word adds a
    claim the reviewer did not join to theirs (", pero la aseguradora debe ...", "; ahora bien, ...")."""
    problems: list[str] = []
    openings = language.translation_openings
    if openings:
        for sentence in _SENTENCE_SPLIT.split(text.strip()):
            if sentence.strip() and not sentence.strip().startswith(openings):
                problems.append(f"a sentence does not open as the reviewer's words are reported ({sentence[:40]!r})")
                break
    joined = language.translation_connectors
    if joined is not None and (m := joined.search(text)) is not None and not _EN_CONNECTORS.search(reviewer):
        problems.append(f"the reason joins a claim the reviewer did not make ({m.group(0)!r})")
    if (joins := language.translation_joins) is not None and len(joins.findall(text)) > len(
        _EN_JOINS.findall(reviewer)
    ):
        problems.append("the reason joins more clauses than the reviewer's words do")
    joined_here = len(joins.findall(text)) if joins is not None else 0
    if (coordinated := language.translation_coordinated) is not None and len(
        coordinated.findall(text)
    ) + joined_here > len(_EN_AND.findall(reviewer)) + len(
        _EN_JOINS.findall(reviewer)
    ):  # "and", or another join ("..., however, the applicant was described ...")
        problems.append("the reason adds a finding joined by 'and' that the reviewer's words do not join")
    clauses = language.translation_clauses
    if clauses is not None and _negated_clauses(text, language.negation, clauses) > _negated_clauses(
        reviewer, EN_NEGATION, _EN_CLAUSE
    ):
        # "..., y usted nunca tuvo ese dolor": a denial the reviewer did not write (Spanish negative concord, "no ...
        # ninguna", is one negation in its clause)
        problems.append("the reason denies more than the reviewer's words do")
    elif clauses is not None and reviewer_sentences:
        # sentence by sentence when there are as many: "completó 6 sesiones sin beneficio" where the reviewer's
        # sentence denied nothing, though a denial elsewhere ("by only 2 sessions") keeps the count even
        ours = [x for x in _SENTENCE_SPLIT.split(text.strip()) if x.strip()]
        if len(ours) == len(reviewer_sentences) and any(
            _negated_clauses(mine, language.negation, clauses) > _negated_clauses(theirs, EN_NEGATION, _EN_CLAUSE)
            for mine, theirs in zip(ours, reviewer_sentences, strict=True)
        ):
            problems.append("the reason denies more than the reviewer's words do")
    verbs = language.denied_verbs
    denies = any(denied.search(text) for _, denied in verbs.values())
    for english, (said, _) in verbs.items():
        # "not recommended" must stay "no se recomiendan": never "se recomiendan cuando no hay ..." (the "no"
        # moved onto the condition) nor "se recomiendan aunque no ..."
        if re.search(rf"\bnot (?:be )?{english}", reviewer, re.I) and said.search(text) and not denies:
            problems.append("the reason no longer denies what the reviewer's guideline did not allow")
            break
    if openings and reviewer_sentences and all(EN_NEGATION.search(s) for s in reviewer_sentences):
        # every sentence of the reviewer's denies something: so must every sentence of the translation ("La
        # solicitud fue aceptada." after a faithful first sentence is a second claim, not a translation)
        for sentence in _SENTENCE_SPLIT.split(text.strip()):
            if sentence.strip() and not language.negation.search(sentence):
                problems.append(f"a sentence denies nothing where each of the reviewer's does ({sentence[:40]!r})")
                break
    return problems


def _unsourced_conditions(text: str, source: str, language: Language) -> list[str]:
    """The translation's medical words (by their Greek or Latin ending) whose English form the reviewer never wrote:
    "estenosis" where no "stenosis" is in the reviewer's words."""
    if language.medical_words is None:
        return []
    english = _cognate_key(source)
    out = []
    for m in language.medical_words.finditer(text):
        if m.group(0).casefold() in language.medical_false_friends:
            continue
        word = _plain_letters(m.group(0))
        for ending, en in language.medical_endings.items():
            if word.endswith(_plain_letters(ending)):
                word = word[: len(word) - len(_plain_letters(ending))] + en
                break
        stem = word[1:] if re.match(r"es[bcdfgklmnpqrstvz]", word) else word  # "estenosis": "stenosis"
        if _cognate_key(stem)[:6] not in english and _cognate_key(word)[:6] not in english:
            out.append(m.group(0))
    return out


_SPELLINGS = (("th", "t"), ("ph", "f"), ("rh", "r"), ("y", "i"), ("k", "c"))


def _cognate_key(text: str) -> str:
    """A spelling both languages share for a Greek or Latin word: "arthritis" and "artritis" alike."""
    key = _plain_letters(text)
    for a, b in _SPELLINGS:
        key = key.replace(a, b)
    return re.sub(r"(\w)\1", r"\1", key)  # "inflammation", "inflamación"


def _plain_letters(text: str) -> str:
    return unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode("ascii")


_EN_CLAUSE = re.compile(r"[,;:.]|\b(?:and|or|but|although|because|that)\b", re.I)
# a sentence's parts in any language: split at punctuation only (a translation's "y" / "que" are not the English
# words, and a denial counted per punctuated part is the same count on both sides)
_ANY_CLAUSE = re.compile(r"[,;:.]")


def _negated_clauses(text: str, negation: re.Pattern[str], clause: re.Pattern[str]) -> int:
    """How many clauses of `text` hold a negation."""
    return sum(1 for part in clause.split(text) if negation.search(part))


_MARKUP = re.compile(r"[<>\[\]`{}\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\]\(|\bjavascript:", re.I)


_CLAUSE_END = re.compile(r"[.;:]|,\s*(?:and|but|so|while|although|however)\b|\b(?:but|while|although)\b", re.I)
_NEGATOR = re.compile(r"\b(?:not|no|none|nothing|never|neither|nor|without|cannot|lack(?:s|ing)?|absence|n't)\b", re.I)
_CONTENT = re.compile(r"[a-z]{5,}")
_NOT_CONTENT = frozenset(
    """there their these those which where about would could should reviewer found record records documentation
    documented evidence information patient claimant worker injured treating provider physician doctor request
    requested guidelines guideline medical medically necessary""".split()  # noqa: SIM905
)


def _negated_words(text: str) -> tuple[set[str], set[str]]:
    """(content words inside a negation's reach, up to the end of its clause; content words outside any). In a
    passive clause the subject is what is denied: "weakness was not recorded" denies weakness."""
    inside: set[str] = set()
    outside: set[str] = set()
    for clause in _CLAUSE_END.split(text.lower()):
        m = _NEGATOR.search(clause)
        before, after = (clause[: m.start()], clause[m.end() :]) if m else (clause, "")
        if m and _passive(m, before, after):
            before, after = "", f"{before} {after}"
        inside |= {w for w in _CONTENT.findall(after) if w not in _NOT_CONTENT}
        outside |= {w for w in _CONTENT.findall(before) if w not in _NOT_CONTENT}
    return inside, outside


def _passive(negator: re.Match[str], before: str, after: str) -> bool:
    """ "was not recorded": a passive denial of its subject (never "there is no documented ...")."""
    return negator.group(0) in ("not", "n't") and bool(_AUX_BEFORE.search(before) and _PARTICIPLE_AFTER.match(after))


_AUX_BEFORE = re.compile(r"\b(?:is|are|was|were|be|been|has been|have been|had been)\s*$")
_PARTICIPLE_AFTER = re.compile(r"\s*(?:been\s+)?(?:\w+ly\s+)?\w+(?:ed|en|wn)\b")


def _first_denied(text: str) -> list[str]:
    """The first content word each of the reviewer's denials is about: "no documented weakness or any findings
    ...": weakness; "weakness was not recorded": weakness."""
    heads = []
    for clause in _CLAUSE_END.split(text.lower()):
        m = _NEGATOR.search(clause)
        if m is None:
            continue
        before, after = clause[: m.start()], clause[m.end() :]
        words = [w for w in _CONTENT.findall(after) if w not in _NOT_CONTENT]
        if _passive(m, before, after):
            words = [w for w in _CONTENT.findall(before) if w not in _NOT_CONTENT][-1:]
        heads += words[:1]
    return heads


def _denial_moved_off(source: str, rewrite: str) -> str | None:
    """The first word a reviewer's denial is about, said in the rewrite outside any denial and inside none ("The
    reviewer found recorded weakness, or no findings ..." for "no documented weakness or any findings ...")."""
    inside, outside = _negated_words(rewrite)
    return next((w for w in _first_denied(source) if w in outside and w not in inside), None)


# the reviewer found none of it: "no evidence of", "without documentation of", "lack of indication"
_EN_NO_EVIDENCE = re.compile(
    r"\b(?:no|without|lack of|lacks|absence of|not any)\s+(?:\w+\s+){0,2}(?:evidence|indications?|documentation|"
    r"signs?|findings)\b",
    re.I,
)


def _evidence_not_denied(text: str, language: Language) -> str | None:
    """The first word of evidence in a rewrite, when nothing denies it in the few words before it (the reviewer's
    "no evidence of ..." made "había evidencia de ..."), else None (a language whose catalogue names no such words:
    None)."""
    words, denied = language.evidence_words, language.evidence_denied_before
    m = words.search(text) if words is not None else None
    if m is None or denied is None or denied.search(text[max(0, m.start() - 60) : m.start()]):
        return None
    return m.group(0)


# the reviewer's English for care that stopped (a rewrite saying it stopped needs one of these)
_EN_STOPPED = re.compile(
    r"\b(?:stop\w*|discontinu\w*|ceas\w*|quit\w*|no longer|suspend\w*|interrupt\w*|weaned off|tapered off)\b", re.I
)
_NO_CONTRAST = re.compile(r"\b(?:without|w/o|no|non|sin)[\s-]*(?:iv |intravenous |de )?contrast[e]?\b", re.I)
_CONTRAST = re.compile(r"\bcontrast[e]?\b", re.I)


def _contrast(text: str) -> set[str]:
    """How a text speaks of contrast dye: "without" (without contrast, w/o, non-contrast, sin contraste) and/or
    "with" (any other mention: with contrast, contrast MRI, con contraste)."""
    kinds = {"without"} if _NO_CONTRAST.search(text) else set()
    if _CONTRAST.search(_NO_CONTRAST.sub(" ", text)):
        kinds.add("with")
    return kinds


_ONLY_N = re.compile(r"\bonly (?:by )?(?:\w+ )?(\d+)\b", re.I)


def _turned_round(text: str, language: Language) -> bool:
    """Whether a translation denies the reviewer's denial or puts it under an exception (the catalogue's `turned`),
    or uses its denial word twice in one clause (`turned_twice`)."""
    turned, twice = language.turned, language.turned_twice
    return bool(turned and turned.search(text)) or bool(
        twice and any(len(twice.findall(c)) >= 2 for c in _CLAUSE_END.split(text))
    )


def _double_negated(text: str) -> bool:
    """One clause with two negations in it."""
    return any(len(_NEGATOR.findall(clause)) >= 2 for clause in _CLAUSE_END.split(text))


def _unnegated(source: str, rewrite: str) -> str | None:
    """The reviewer's denied words that a rewrite puts outside any negation ("There is no documentation of a
    prior course of therapy" rewritten "There is documentation of a prior course of therapy, and no results");
    None when each stays denied. Word order is what the word-set checks cannot see."""
    denied, _ = _negated_words(source)
    _, plain_out = _negated_words(rewrite)
    inside_rewrite, _ = _negated_words(rewrite)
    moved = sorted((denied & plain_out) - inside_rewrite)
    return ", ".join(moved[:4]) if len(moved) >= 2 else None


_ORDER_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_JOINS = {"or": {"or"}, "but": {"but", "however", "although", "though", "yet"}, "nor": {"nor"}}
_ORDERED_SHORT = {"no", "not", "nor", "or", "but"}  # short words whose place carries meaning
# joining words a rewrite's frame and grammar add or move freely ("The reviewer found that ..."): not counted
_FREE = frozenset(
    {
        "that", "this", "there", "these", "those", "with", "from", "have", "been", "were", "which", "what", "when",
        "where", "your", "their", "they", "them", "then", "than", "into", "also", "only", "such", "some", "would",
        "could", "should", "will", "does", "about", "being", "other", "more", "most", "very", "each", "reviewer",
        "found", "wrote", "noted", "said", "says", "here", "whether", "because", "since",
    }
)  # fmt: skip


def _out_of_order(text: str, reviewer: str) -> str | None:
    """How a rewrite in the reviewer's language puts the reviewer's words in another order or more often than
    they wrote them, or None. Within each sentence of the rewrite, the reviewer's content words (and "no",
    "not", "or", "but") must come in the order the reviewer wrote them (a sentence may start anywhere: the
    model may say the reviewer's sentences in another order, never a sentence's words); no such word more often
    than the reviewer wrote it; no "or" or "but" the reviewer did not write. A faithful rewrite refused here
    leaves the offline sentence, which is the reviewer's own."""
    source = _ORDER_WORD.findall(reviewer.casefold())
    counts = Counter(source)
    for join, said in _JOINS.items():
        if text.casefold().count(f" {join} ") > sum(counts[w] for w in said):
            return f"joins with {join!r} where the reviewer did not"
    written = Counter(
        w
        for w in _ORDER_WORD.findall(text.casefold())
        if w in counts and w not in _FREE and (len(w) > 3 or w.isdigit())
    )
    if (again := next((w for w, n in written.items() if n > counts[w]), None)) is not None:
        return f"says {again!r} more often than the reviewer did"
    for sentence in re.split(r"(?<=[.;!?])\s+", text.casefold()):
        at = -1
        for word in _ORDER_WORD.findall(sentence):
            if word not in counts or word in _FREE or not (len(word) > 3 or word.isdigit() or word in _ORDERED_SHORT):
                continue
            nxt = next((k for k in range(at + 1, len(source)) if source[k] == word), None)
            if nxt is None:
                return f"puts the reviewer's words in another order ({word!r})"
            at = nxt
    return None


def _common_words(language: Language) -> str:
    """Capitalised words that start sentences or name the parties are not facts."""
    return " ".join(
        [language.title, language.why_label, *language.words.bullets, "i you your the this a an el la su usted"]
    ).casefold()


def ask(
    client: Transport, prompt: PromptTemplate, facts: str, language: Language, cache: ResponseCache | None
) -> SummaryRewrite:
    """The model's reasons, through the one cached, logged model call extraction uses."""
    rendered = prompt.render(facts, language=language.prompt_name)
    config = client.config
    request = CallRequest(
        prompt_ref=prompt.ref,
        prompt_hash=rendered.hash,
        messages=rendered.messages,
        input_hash=hashlib.sha256(facts.encode()).hexdigest(),
        params={"temperature": config.temperature, "reasks": config.reasks, "schema": _SCHEMA_HASH},
    )
    return ModelCall(client, cache).generate(request, SummaryRewrite).answer


def rewrite_summary(
    record: LetterRecord,
    offline: Summary,
    offline_checks: SummaryChecks,
    client: Transport,
    prompt: PromptTemplate,
    cache: ResponseCache | None = None,
) -> SummaryOutcome:
    """The rewritten reasons when every one passes and the summary still passes its checks; else the offline one."""
    language = get_language(offline.lang)
    try:
        answer = ask(client, prompt, facts_for_model(offline), language, cache)
    except ImrError as e:
        return SummaryOutcome(offline, offline_checks, [f"LLM call failed: {e}"])
    by_number = {r.number: " ".join(r.reason.split()) for r in answer.items}
    wanted = {item.number for item in offline.items if item.reason.sentences and item.decision is not None}
    problems = [f"no reason for item {n}" for n in sorted(wanted - set(by_number))]
    problems += [f"a reason for unknown item {n}" for n in sorted(set(by_number) - wanted)]
    items = []
    for item in offline.items:
        text = by_number.get(item.number)
        if text is None or item.number not in wanted:
            items.append(item)
            continue
        problems += reason_problems(text, item, language)
        plain = [PlainSentence(text=text, source=" ".join(item.reason.sentences), form="llm")]
        reason = item.reason.model_copy(update={"text": text, "plain": plain, "quoted": False, "source": "llm"})
        items.append(item.model_copy(update={"reason": reason}))
    candidate = offline.model_copy(update={"source": "llm", "items": items})
    checks = check_summary(render_text(candidate, Format.MD), candidate, record)
    problems += checks.problems + checks.notes  # a rewrite must not make the page harder to read or longer either
    if problems:
        return SummaryOutcome(offline, offline_checks, problems)
    return SummaryOutcome(candidate, checks)
