"""Asking for an MFA code: on the terminal when there is one (never on stdout), otherwise one
clear error instead of Python's GetPassWarning and an EOFError.

botocore asks through the AssumeRole provider's prompter (``getpass.getpass`` by default)
when a role profile has ``mfa_serial``. Under kubectl the plugin has a terminal only when the
exec entry's ``interactiveMode`` lets kubectl pass it (``KUBERNETES_EXEC_INFO`` then says
``spec.interactive: true``); CI jobs and TUIs such as k9s run it without one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from eks_token.errors import MfaRequiredError

__all__ = ["MfaPrompter", "install_mfa_prompter"]

_PROMPT_PREFIX = "Enter MFA code for "


class MfaPrompter:
    """botocore's ``mfa_prompter``: reads the code from the terminal, or raises
    :class:`~eks_token.errors.MfaRequiredError` saying how to provide one."""

    def __init__(self, profile: str | None, environ: Mapping[str, str] | None = None) -> None:
        self.profile = profile
        self._environ = os.environ if environ is None else environ

    def __call__(self, prompt: str) -> str:
        serial = _serial(prompt)
        if _kubectl_says_not_interactive(self._environ):
            raise self._needed(serial, "kubectl runs eks-token without a terminal")
        if not _has_terminal():
            raise self._needed(serial, "there is no terminal to ask on")
        import getpass
        import warnings

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                code = getpass.getpass(prompt, stream=sys.stderr)
        except EOFError:
            code = ""
        code = code.strip()
        if not code:
            raise self._needed(serial, "no code was entered")
        return code

    def _needed(self, serial: str | None, reason: str) -> MfaRequiredError:
        name = self.profile or "default"
        device = f" ({serial})" if serial else ""
        return MfaRequiredError(
            f"profile {name!r} needs an MFA code{device} and {reason}: run "
            f"'aws sts get-caller-identity --profile {name}' in a terminal first so the role "
            "credentials are cached, or let kubectl pass its terminal (interactiveMode: "
            "IfAvailable in the kubeconfig's exec entry)",
            profile=self.profile,
            mfa_serial=serial,
        )


def install_mfa_prompter(session: Any, profile: str | None, environ: Mapping[str, str]) -> None:
    """Make the session's AssumeRole provider (role profiles) ask through :class:`MfaPrompter`."""
    resolver = session.get_component("credential_provider")
    provider = resolver.get_provider("assume-role")
    # botocore takes the prompter only as a constructor argument; the provider keeps it here.
    provider._prompter = MfaPrompter(profile, environ)


def _serial(prompt: str) -> str | None:
    if prompt.startswith(_PROMPT_PREFIX):
        return prompt[len(_PROMPT_PREFIX) :].rstrip(": ") or None
    return None


def _kubectl_says_not_interactive(environ: Mapping[str, str]) -> bool:
    from eks_token.exec_plugin.exec_info import read_exec_info

    return read_exec_info(environ).interactive is False


def _has_terminal() -> bool:
    """True when a code can be read: a controlling terminal, or a terminal on stdin."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        pass
    else:
        os.close(fd)
        return True
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):
        return False
