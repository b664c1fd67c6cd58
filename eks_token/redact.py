"""What is secret, and taking it out of text before the text leaves the process.

The bottom layer and the one owner of both decisions:

- :func:`remember_secret` registers a secret value the process holds (a secret access
  key, a session token, a bearer token). Credentials register where they come into
  being (:class:`~eks_token.core.credentials.AwsCredentials`, the answers of the AWS
  services that issue them, the AWS CLI's cache, secret environment variables), never
  where text is printed.
- :func:`redact` is the one function that hides them, with the one placeholder
  :data:`REDACTED`: every registered secret in every form a server or a log may echo
  it in (raw; percent-encoded with upper- or lower-case hex, once or twice; JSON-,
  Python- or HTML-escaped; base64 or URL-safe base64, whole or inside a longer blob),
  and the values that patterns say are secret (signatures, security tokens,
  Authorization headers, ``k8s-aws-v1.`` tokens, secret-key fields).

:mod:`eks_token.errors` runs every message through :func:`redact`, and every place
that prints text from outside (the CLI's error lines and JSON, the doctor's report)
runs it again when printing, so a secret registered after the message was made is
hidden too. Imports nothing at import time: the start-up path loads it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Mapping

__all__ = [
    "REDACTED",
    "redact",
    "remember_environment_secrets",
    "remember_secret",
    "secret_variable",
]

REDACTED = "REDACTED"
#: Secret values seen in this process (secret keys, session tokens), newest last.
_KNOWN_SECRETS: dict[str, None] = {}
_MAX_KNOWN_SECRETS = 64
#: Shorter values are not worth hiding (and would hide ordinary words).
_MIN_SECRET_LENGTH = 8
#: Every form of every known secret, longest first, each with a run of its characters
#: that no escaping changes (empty: list them again).
_KNOWN_FORMS: list[tuple[str, str]] = []
#: The pattern of each form, compiled when text first holds its unchanging run.
_FORM_PATTERNS: dict[str, re.Pattern[str]] = {}
#: HTML's named character references for the ASCII characters secrets are made of.
_HTML_NAMES = {
    '"': "quot",
    "&": "amp",
    "'": "apos",
    "<": "lt",
    ">": "gt",
    "/": "sol",
    "+": "plus",
    "=": "equals",
    "!": "excl",
    "#": "num",
    "$": "dollar",
    "%": "percnt",
    "(": "lpar",
    ")": "rpar",
    "*": "ast",
    ",": "comma",
    ".": "period",
    ":": "colon",
    ";": "semi",
    "?": "quest",
    "@": "commat",
    "[": "lsqb",
    "\\": "bsol",
    "]": "rsqb",
    "^": "Hat",
    "_": "lowbar",
    "`": "grave",
    "{": "lcub",
    "|": "verbar",
    "}": "rcub",
}


def remember_secret(value: str | None) -> None:
    """Have :func:`redact` hide ``value`` (in every form it can be echoed in) wherever it
    appears from now on."""
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    if value in _KNOWN_SECRETS:
        # Newest last: the secrets in use are the last to be forgotten.
        del _KNOWN_SECRETS[value]
        _KNOWN_SECRETS[value] = None
        return
    _KNOWN_SECRETS[value] = None
    while len(_KNOWN_SECRETS) > _MAX_KNOWN_SECRETS:
        del _KNOWN_SECRETS[next(iter(_KNOWN_SECRETS))]
    _KNOWN_FORMS.clear()


def secret_variable(name: str) -> bool:
    """Whether an environment variable's name says its value is a secret (a token, a
    secret key, a password) rather than a file, a directory, an address or a time that
    goes with one; eks-token's own settings (``EKS_TOKEN_...``) are none."""
    upper = name.upper()
    if upper == "KUBERNETES_EXEC_INFO":
        return False
    upper = upper.removeprefix("EKS_TOKEN_")
    if upper.rsplit("_", 1)[-1] in ("FILE", "PATH", "DIR", "URI", "URL", "EXPIRATION", "ARN"):
        return False
    return any(word in upper for word in ("SECRET", "TOKEN", "PASSWORD", "PASSPHRASE"))


def remember_environment_secrets(environ: Mapping[str, str]) -> None:
    """Register the value of every variable of ``environ`` that :func:`secret_variable` calls
    secret (AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN, ...)."""
    for name, value in environ.items():
        if secret_variable(name):
            remember_secret(value)


def redact(text: str, *, program_output: bool = False) -> str:
    """``text`` without secrets: every value :func:`remember_secret` was given, in any
    form it can be echoed in, and signatures, session and security tokens, Authorization
    header values, ``k8s-aws-v1.`` tokens and secret-key fields, each replaced by
    :data:`REDACTED`.

    ``program_output``: ``text`` is what another program printed (a credential_process's
    or an exec plugin's stderr), which may hold secrets this process never saw: also
    hide every ``secret=``/``token:``/``password=``-like value, bearer tokens and every
    run of 32 or more key-like characters.
    """
    if not text:
        return text
    if _KNOWN_SECRETS:
        for anchor, form in _known_forms():
            if anchor in text:
                text = _form_pattern(form).sub(REDACTED, text)
    for pattern, replacement in _patterns():
        text = pattern.sub(replacement, text)
    if program_output:
        for pattern, replacement in _program_patterns():
            text = pattern.sub(replacement, text)
    return text


def _known_forms() -> list[tuple[str, str]]:
    if not _KNOWN_FORMS:
        import re

        forms = {form for secret in _KNOWN_SECRETS for form in _forms(secret)}
        for form in sorted(forms, key=len, reverse=True):
            # Letters and digits are never escaped: their longest run is in every form.
            anchor = max(re.findall(r"[A-Za-z0-9]+", form), key=len, default="")
            _KNOWN_FORMS.append((anchor, form))
    return _KNOWN_FORMS


def _form_pattern(form: str) -> re.Pattern[str]:
    pattern = _FORM_PATTERNS.get(form)
    if pattern is None:
        import re

        if len(_FORM_PATTERNS) > 16 * _MAX_KNOWN_SECRETS:
            _FORM_PATTERNS.clear()
        pattern = _FORM_PATTERNS[form] = re.compile(_encoded(form))
    return pattern


def _forms(secret: str) -> list[str]:
    """``secret`` and its base64 encodings: whole, and the part of it that is the same
    whatever bytes come before it in a longer blob (each of the three alignments)."""
    import base64

    data = secret.encode("utf-8", "surrogateescape")
    forms = [secret]
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.append(encode(data).decode("ascii").rstrip("="))
        for skip in (0, 1, 2):
            whole = (len(data) - skip) // 3 * 3
            if whole >= 6:
                forms.append(encode(data[skip : skip + whole]).decode("ascii"))
    return forms


def _encoded(form: str) -> str:
    """A regular expression matching ``form`` with any of its characters escaped as a URL,
    JSON, a Python string or HTML would escape it (hex digits in either case)."""
    import re

    parts = []
    for character in form:
        if character.isascii() and character.isalnum():
            parts.append(character)
            continue
        code = ord(character)
        # raw, or after a backslash or two (JSON's \/ and \", a Python repr's \', ...)
        choices = [rf"(?:\\{{1,2}})?{re.escape(character)}"]
        if character == " ":
            choices.append(r"\+")
        if code < 0x100:
            choices += [f"%(?:25)?{_hex(code, 2)}", rf"\\{{1,2}}x{_hex(code, 2)}"]
        choices += [
            rf"\\{{1,2}}u{_hex(code, 4)}",
            f"&#[xX]0*{_hex(code, 1)};?",
            f"&#0*{code};?",
        ]
        if character in _HTML_NAMES:
            choices.append(f"&{_HTML_NAMES[character]};")
        parts.append(f"(?:{'|'.join(choices)})")
    return "".join(parts)


def _hex(code: int, digits: int) -> str:
    """``code`` in hex, at least ``digits`` digits, each letter in either case."""
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{code:0{digits}x}")


_PATTERNS: list[tuple[object, str]] = []
_PROGRAM_PATTERNS: list[tuple[object, str]] = []


def _patterns() -> list[tuple[re.Pattern[str], str]]:
    import re

    if not _PATTERNS:
        # NAME, a separator as headers, queries, JSON, Python reprs or INI files write
        # it (`: `, `=`, `": "`, `': '`, `': b'` for bytes as botocore's debug log shows
        # headers), then the value up to a quote, space or `&`.
        separator = r"""(["']?\s*[:=]\s*(?:b(?=["']))?["']?)"""
        value = r"""[^\s"'&,;<>}\]]+"""
        names = (
            r"x-amz-security-token|x-amz-signature|security[_-]?token|session[_-]?token"
            r"|secret[_-]?access[_-]?key|aws[_-]secret[_-]access[_-]key|aws[_-]session[_-]token"
        )
        _PATTERNS.extend(
            [
                (re.compile(rf"(authorization){separator}[^\r\n\"']+", re.I), rf"\1\2{REDACTED}"),
                (re.compile(rf"\b({names}){separator}{value}", re.I), rf"\1\2{REDACTED}"),
                (re.compile(r"(signature\s*=\s*)[0-9a-f]+", re.I), rf"\1{REDACTED}"),
                (re.compile(r"k8s-aws-v1\.[A-Za-z0-9_=-]+"), f"k8s-aws-v1.{REDACTED}"),
                # STS's XML (an AssumeRole response body in a debug log)
                (
                    re.compile(r"<(SecretAccessKey|SessionToken|SecurityToken)>[^<]*", re.I),
                    rf"<\1>{REDACTED}",
                ),
            ]
        )
    return _PATTERNS  # type: ignore[return-value]


def _program_patterns() -> list[tuple[re.Pattern[str], str]]:
    import re

    if not _PROGRAM_PATTERNS:
        _PROGRAM_PATTERNS.extend(
            [
                (re.compile(r"(?i)\b(bearer\s+)[^\s\"',]+"), rf"\1{REDACTED}"),
                (re.compile(r"(?i)(\"token\"\s*:\s*\")[^\"]+"), rf"\1{REDACTED}"),
                (
                    re.compile(
                        r"(?i)((?:secret|token|password|passwd|credential)[\w-]*\s*[=:]\s*)"
                        r"(\"[^\"]*\"|'[^']*'|[^\s)\]},;]+)"
                    ),
                    rf"\1{REDACTED}",
                ),
                (re.compile(r"[A-Za-z0-9+/=_-]{32,}"), REDACTED),
            ]
        )
    return _PROGRAM_PATTERNS  # type: ignore[return-value]
