"""LLM settings from flags and environment, checked before any letter is sent.

One flag or variable away from any OpenAI-compatible server:
  --base-url / IMR_LLM_BASE_URL / OPENAI_BASE_URL   (default https://api.openai.com/v1)
  --model    / IMR_LLM_MODEL                         (default gpt-4o-mini)
  API key    / OPENAI_API_KEY (or IMR_LLM_API_KEY)   (not needed for a loopback server)
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlparse, urlsplit, urlunsplit

from imr_llm.errors import ConfigError

if TYPE_CHECKING:
    import instructor

OPENAI_URL = "https://api.openai.com/v1"
OPENAI_HOST = "api.openai.com"
DEFAULT_MODEL = "gpt-4o-mini"
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"}


class ModeChoice(StrEnum):
    AUTO = "auto"
    TOOLS = "tools"
    JSON_SCHEMA = "json_schema"
    JSON = "json"


# counts a setting can take: no model answers a million tokens, and a hundred tries of one call is a loop
MAX_ANSWER_TOKENS = 1_000_000
MAX_URL_CHARS = 2_048  # what browsers and most servers accept; a longer base URL is a paste gone wrong
_COUNTS = (("max_tokens", 1, MAX_ANSWER_TOKENS), ("transport_attempts", 1, 100), ("reasks", 0, 20))


@dataclass(frozen=True)
class LLMConfig:
    base_url: str = OPENAI_URL
    model: str = DEFAULT_MODEL
    api_key: str | None = None
    mode: ModeChoice = ModeChoice.AUTO
    timeout_s: float = 120.0  # one HTTP request
    max_tokens: int | None = None  # per answer; None: sized from the letter (answer_token_budget)
    letter_timeout_s: float | None = None  # all attempts for one letter; None: no bound beyond the retries
    temperature: float = 0.0
    seed: int | None = None  # sent to the server (OpenAI's `seed`): one repeat of an eval (`--repeat`) each
    transport_attempts: int = 5  # per call: first try + retries on timeouts, 429, 5xx, connection errors
    reasks: int = 2  # extra attempts when the output fails validation
    max_wait_s: float = 60.0  # cap on one backoff / Retry-After wait
    log_text: bool = False  # write letter text into the call log (off: these are medical records)

    @property
    def display_url(self) -> str:
        """The base URL without any user:password in it: what records, logs and messages show."""
        return redact_url(self.base_url)

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never be printed or stored: the API key, and the password of a user:password@ in the base
        URL (alone, and as "user:password", whose base64 a server echoing a Basic header shows)."""
        out = [self.api_key] if self.api_key else []
        try:
            parts = urlsplit(self.base_url)
            user, password = parts.username, parts.password
        except ValueError:
            user = password = None
        if password:
            out += [unquote(password), f"{unquote(user or '')}:{unquote(password)}"]
        with contextlib.suppress(ValueError):  # a key passed in the URL's query ("?api-key=..."), echoed alone
            out += [value for _, value in parse_qsl(urlsplit(self.base_url).query) if len(value) >= 6]
        return tuple(out)

    @property
    def is_loopback(self) -> bool:
        return (hostname(self.base_url) or "") in LOOPBACK_HOSTS

    @property
    def instructor_mode(self) -> instructor.Mode:
        """TOOLS works on OpenAI, vLLM, Ollama and llama.cpp's server; JSON_SCHEMA / JSON are one flag away.
        (instructor is imported here, not at module level: the rules path never loads it.)"""
        import instructor

        modes = {
            ModeChoice.TOOLS: instructor.Mode.TOOLS,
            ModeChoice.JSON_SCHEMA: instructor.Mode.JSON_SCHEMA,
            ModeChoice.JSON: instructor.Mode.JSON,
        }
        return modes.get(self.mode, instructor.Mode.TOOLS)

    def with_(self, **changes: object) -> LLMConfig:
        """The config with `changes`, each checked and converted as pydantic converts a field ("json" is
        ModeChoice.JSON, "5" is 5.0, "no" is False); an unknown setting or a value of the wrong type or
        range is a ConfigError naming it, before any request is made."""
        from pydantic import ValidationError

        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            known = ", ".join(f.name for f in fields(self))
            raise ConfigError(f"unknown LLM setting {unknown[0]!r}; the settings are: {known}")
        for name, value in changes.items():
            if isinstance(value, bool) and name != "log_text":  # pydantic would take True as 1
                raise ConfigError(f"LLM setting {name} = {value!r}: give a number, not True or False")
        values = {f.name: getattr(self, f.name) for f in fields(self)} | changes
        try:
            config: LLMConfig = _adapter().validate_python(values)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"LLM setting {where} = {values.get(where)!r}: {first['msg']}") from None
        for name, low, high in _COUNTS:
            value = getattr(config, name)
            if value is not None and not low <= value <= high:
                raise ConfigError(f"LLM setting {name} = {value}: give {low} to {high:,}")
        if not (math.isfinite(config.temperature) and 0 <= config.temperature <= 2):
            raise ConfigError(f"LLM setting temperature = {config.temperature}: give 0 to 2")
        if not (math.isfinite(config.max_wait_s) and config.max_wait_s >= 0):
            raise ConfigError(f"LLM setting max_wait_s = {config.max_wait_s}: give a number of seconds")
        config.check_times()
        return config

    def check_times(self) -> None:
        """A time bound is a positive, finite number of seconds: 0 or nan would silently mean no bound."""
        for name, value in (("--timeout", self.timeout_s), ("--letter-timeout", self.letter_timeout_s)):
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{name} {value}: give a positive number of seconds")

    def check(self) -> None:
        """Raise ConfigError with what to fix, before any letter is processed."""
        if len(self.base_url) > MAX_URL_CHARS:  # the HTTP library refuses it (an internal error) at the first call
            raise ConfigError(f"invalid base URL: {len(self.base_url):,} characters (at most {MAX_URL_CHARS:,})")
        if not self.base_url.isprintable() or any(c.isspace() for c in self.base_url):
            # a pasted tab or newline ("...\n" at the end of a variable) failed inside the HTTP library
            raise ConfigError(
                f"invalid base URL {redact_url(self.base_url)!r}: it holds a space or a control character; check it"
            )
        try:
            parsed = urlparse(self.base_url)
            host, _ = parsed.hostname, parsed.port  # both raise on a malformed host ("http://[::1") or port
        except ValueError:
            host = None
        if host is None or parsed.scheme not in ("http", "https"):
            raise ConfigError(f"invalid base URL {redact_url(self.base_url)!r}: expected http(s)://host[:port]/v1")
        self.check_times()
        if self.api_key and not (self.api_key.isascii() and self.api_key.isprintable() and " " not in self.api_key):
            # an HTTP header holds printable ASCII only: a key pasted with a stray letter or a space would fail
            # inside the HTTP library on the first letter
            raise ConfigError("the API key holds a character an API key never has (not printable ASCII); check it")
        if not self.api_key and not self.is_loopback:
            if host == OPENAI_HOST:
                raise ConfigError(
                    f"no API key for {self.display_url}: set OPENAI_API_KEY (or point --base-url at a local server)"
                )
            raise ConfigError(
                f"no API key for {self.display_url}: set IMR_LLM_API_KEY or --api-key "
                "(OPENAI_API_KEY goes only to api.openai.com and to OPENAI_BASE_URL)"
            )
        if not self.model:
            raise ConfigError("no model: pass --model or set IMR_LLM_MODEL")


_SECRET_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[^\s'\",;}]+"),  # an Authorization header's value
    re.compile(r"(?i)\b(authorization|api[-_]?key|x-api-key|token|secret)(['\"]?\s*[:=]\s*['\"]?)[^\s'\",;}]+"),
    re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"),  # OpenAI-style keys
)


def _encodings(secret: str) -> set[str]:
    import base64
    import codecs
    from urllib.parse import quote

    raw = secret.encode()
    out = {quote(secret, safe=""), raw.hex(), raw.hex().upper(), secret[::-1], codecs.encode(secret, "rot13")}
    out |= {"".join(f"%{b:02X}" for b in raw), "".join(f"%{b:02x}" for b in raw)}  # every byte %-encoded
    out |= {"".join(f"&#{ord(c)};" for c in secret), "".join(f"&#x{ord(c):x};" for c in secret)}  # HTML entities
    out |= {sep.join(str(ord(c)) for c in secret) for sep in (" ", ",", ", ")}  # character codes
    out |= {secret.replace("-", ""), secret[::-1].replace("-", "")}  # without its dashes
    for encode in (base64.b64encode, base64.urlsafe_b64encode, base64.b32encode):
        # the key alone, as a Basic header's password ("user:key" ends the same), or a whole header echoed
        for prefix in (b"", b":", b"Bearer ", b"Authorization: Bearer ", b"authorization: Bearer "):
            text = encode(prefix + raw).decode()
            out |= {text, text.rstrip("=")}
    if secret.startswith("sk-"):  # the key's body without its prefix, encoded
        out |= {base64.b64encode(raw[3:]).decode().rstrip("="), raw[3:].hex()}
    return {e for e in out if len(e) >= 8 and e != secret}


def _pieces_removed(text: str, secret: str, least: int) -> str:
    """`text` without any run of `least` characters or more that is also a run of `secret` (in any case): a server
    that trims or masks the key's middle, or echoes it in parts ("first half Zq7-SeCr ... second half Ss+word=42")."""
    hidden = [False] * len(text)
    for start in range(len(secret) - least + 1):
        for m in re.finditer(re.escape(secret[start : start + least]), text, flags=re.I):
            hidden[m.start() : m.end()] = [True] * (m.end() - m.start())
    if not any(hidden):
        return text
    out: list[str] = []
    for k, c in enumerate(text):
        if not hidden[k]:
            out.append(c)
        elif k == 0 or not hidden[k - 1]:
            out.append("[secret removed]")
    return "".join(out)


_ENCODED_RUN = re.compile(r"[A-Za-z0-9+/_\-]{16,}={0,2}")


def _decodes_to(secret: bytes, m: re.Match[str]) -> str:
    """ "[secret removed]" for a run whose base64 (standard or URL-safe, padded or not) or hex decoding holds
    the secret; the run otherwise."""
    import base64
    import binascii

    run = m.group()
    decoded: list[bytes] = []
    body = run.rstrip("=")
    for alphabet in (None, b"-_"):
        with contextlib.suppress(binascii.Error, ValueError):
            decoded.append(base64.b64decode(body + "=" * (-len(body) % 4), altchars=alphabet))
    if re.fullmatch(r"[0-9A-Fa-f]+", run) and len(run) % 2 == 0:
        decoded.append(bytes.fromhex(run))
    return "[secret removed]" if any(secret in d.lower() for d in decoded) else run


def scrub_secrets(text: str, *secrets: str | None) -> str:
    """`text` (an error message a server may have built from our request) without the API key or any
    credential-looking value: error messages go to stderr, records' `llm.error` and the call log."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = re.sub(re.escape(secret), "[secret removed]", text, flags=re.I)  # echoed lower-cased, too
            if len(secret) >= 6:  # wrapped over two lines, or spaced out: the key's characters with blanks between
                # a "\n" escape in a repr, too; or dashes, commas, dots between its characters ("Z-q-7-T", "Z,q,7")
                spread = r"(?:\s|\\[nrt]|[-,.:;_|/+])*".join(re.escape(c) for c in secret)
                text = re.sub(spread, "[secret removed]", text, flags=re.I)
            # a part of it (a server that trims or masks the middle of what it echoes, or splits it): any run of at
            # least a third of the key (8 characters or more) that is also a run of the key, punctuation and all
            text = _pieces_removed(text, secret, max(8, len(secret) // 3))
            # echoed base64- or URL-encoded (a Basic header, a query string); the longest form first
            for encoded in sorted(_encodings(secret), key=len, reverse=True):
                text = re.sub(re.escape(encoded), "[secret removed]", text, flags=re.I)  # in either case
            # any base64 or hex run that decodes to text holding it (a header, a JSON body, in any case)
            text = _ENCODED_RUN.sub(functools.partial(_decodes_to, secret.casefold().encode()), text)
    text = _SECRET_PATTERNS[0].sub(lambda m: f"{m.group(1)} [secret removed]", text)
    text = _SECRET_PATTERNS[1].sub(lambda m: f"{m.group(1)}{m.group(2)}[secret removed]", text)
    return _SECRET_PATTERNS[2].sub("[secret removed]", text)


# a run of bytes spelled out: hex pairs ("73:6B:2D:..."), hex in groups of 2-4 bytes as `xxd` prints them ("736b
# 2d70 ..."), bits a byte at a time ("01110011 ..."), octal or hex escapes ("\\163\\153", "\\x73"), with or without
# separators: what an echoed key looks like in encodings no list can foresee
_BYTE_RUN = re.compile(
    r"(?:\b[0-9A-Fa-f]{2}[\s:,.\-]?){8,}\b|(?:\\(?:[0-7]{3}|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4})){6,}|"
    r"(?:\b(?:[0-9A-Fa-f]{2}){2,4}\b[\s:,.\-]?){4,}(?:(?:[0-9A-Fa-f]{2}){1,4}\b)?|"
    r"(?:\b[01]{8}\b[\s:,.\-]?){4,}"
)
_LONG_RUN = re.compile(r"\S{24,}")


def scrub_error(text: str, *secrets: str | None) -> str:
    """A server's error message as it may be shown or kept: `scrub_secrets`, after the text is normalised (NFKC
    folds fullwidth letters; zero-width and other format characters are dropped), and with every run of bytes
    spelled out and every unbroken run of 24 characters or more removed (a key doubled, base85, zlib and base64,
    ... : encodings no list can foresee). Error messages are words; a long run in one is never what a user needs."""
    import unicodedata

    folded = "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")
    folded = scrub_secrets(folded, *secrets)
    folded = _BYTE_RUN.sub("[removed]", folded)
    return _LONG_RUN.sub(lambda m: m.group() if m.group() == "[secret removed]" else "[removed]", folded)


def hostname(url: str) -> str | None:
    """The host of `url`, or None when it has none or cannot be read (a malformed IPv6 host, a bad port)."""
    try:
        parts = urlsplit(url)
        _ = parts.port
        return parts.hostname
    except ValueError:
        return None


def redact_url(url: str) -> str:
    """`url` without credentials (user:password@) and without a query string (tokens hide there too)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = host + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:  # malformed: shown as given, without what could be credentials or a query
        return re.sub(r"(?<=//)[^/@]*@", "", url.split("?")[0].split("#")[0])


def _mode(value: str) -> ModeChoice:
    try:
        return ModeChoice(value)
    except ValueError:
        choices = ", ".join(m.value for m in ModeChoice)
        raise ConfigError(f"IMR_LLM_MODE {value!r}: choose one of {choices}") from None


def config_from_env(
    base_url: str | None = None,
    model: str | None = None,
    mode: ModeChoice | None = None,
    timeout_s: float | None = None,
    max_tokens: int | None = None,
    letter_timeout_s: float | None = None,
    api_key: str | None = None,
) -> LLMConfig:
    """Flags win over IMR_LLM_* variables, which win over OPENAI_* ones.

    OPENAI_API_KEY is sent only to api.openai.com or to the OPENAI_BASE_URL it was set with: a
    --base-url or IMR_LLM_BASE_URL server gets a key only from --api-key or IMR_LLM_API_KEY."""
    env = os.environ
    chosen = (base_url or env.get("IMR_LLM_BASE_URL") or env.get("OPENAI_BASE_URL") or OPENAI_URL).rstrip("/")
    openai_key_allowed = (hostname(chosen) or "") == OPENAI_HOST or (
        not base_url and not env.get("IMR_LLM_BASE_URL") and bool(env.get("OPENAI_BASE_URL"))
    )
    key = api_key or env.get("IMR_LLM_API_KEY") or (env.get("OPENAI_API_KEY") if openai_key_allowed else None)
    config = LLMConfig(
        base_url=chosen,
        model=model or env.get("IMR_LLM_MODEL") or DEFAULT_MODEL,
        api_key=key or None,
        mode=mode or _mode(env.get("IMR_LLM_MODE", "auto")),
    )
    if timeout_s is not None:
        config = config.with_(timeout_s=timeout_s)
    if max_tokens is not None:
        config = config.with_(max_tokens=max_tokens)
    if letter_timeout_s is not None:
        config = config.with_(letter_timeout_s=letter_timeout_s)
    return config


# Per-letter answer budget: a full answer is about 150-250 tokens plus 130-180 per disputed item on
# the dev letters (tests/llm_answers.perfect_answer); twice that, capped, leaves room without letting a
# small model wander for thousands of tokens.
ANSWER_BASE_TOKENS = 512
ANSWER_TOKENS_PER_ITEM = 256
ANSWER_MAX_TOKENS = 4096
DEFAULT_MAX_TOKENS = 2048  # calls with no letter to size from (summary rewrites)


def answer_token_budget(items: int) -> int:
    """max_tokens for a letter whose parser found `items` disputed items."""
    return min(ANSWER_MAX_TOKENS, ANSWER_BASE_TOKENS + ANSWER_TOKENS_PER_ITEM * max(1, items))


def llm_configured() -> bool:
    """Whether the environment names an LLM at all (for `extract` without --backend)."""
    env = os.environ
    return any(env.get(k) for k in ("IMR_LLM_BASE_URL", "OPENAI_BASE_URL", "OPENAI_API_KEY", "IMR_LLM_API_KEY"))


@functools.cache
def _adapter() -> Any:
    """pydantic's validator for `LLMConfig` (made once, on the first `with_`)."""
    from pydantic import TypeAdapter

    return TypeAdapter(LLMConfig)
