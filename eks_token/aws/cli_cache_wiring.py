"""Wiring ``~/.aws/cli/cache`` onto a botocore session's credential providers.

As the AWS CLI does for its own sessions: the ``assume-role`` and
``assume-role-with-web-identity`` providers get the file cache, and (as the AWS
CLI v2 keeps them there too) the ``sso`` provider. Web-identity entries are kept
under the AWS CLI's key, which also covers the identity token.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from eks_token.aws.cli_cache import CredentialFileCache, assume_role_cache_key

TYPE_CHECKING = False
if TYPE_CHECKING:
    from botocore.session import Session

__all__ = ["CACHED_PROVIDERS", "WebIdentityCache", "install_cli_cache"]

#: The providers the AWS CLI gives the file cache, and SSO (see docs/cli.md).
CACHED_PROVIDERS = ("assume-role", "assume-role-with-web-identity", "sso")


class WebIdentityCache:
    """The web-identity provider's entry under the AWS CLI's key, which also covers the
    identity token (a new token is a new entry; an entry never outlives its token).

    botocore's fetcher asks for the key of the role ARN and session name alone; this
    checks that it is the entry of the configuration read here and answers with the
    entry of that configuration and the token file's current content.
    """

    def __init__(
        self, cache: CredentialFileCache, role_arn: str, session_name: str | None, token_file: str
    ) -> None:
        self.cache = cache
        self._arguments = {"RoleArn": role_arn, "RoleSessionName": session_name}
        self._token_file = token_file

    def _name(self, key: object) -> str | None:
        if key != assume_role_cache_key(self._arguments):
            return None  # not the configuration read here: leave it uncached
        try:
            with open(self._token_file, encoding="utf-8") as f:
                token = f.read()
        except (OSError, ValueError):
            return None
        return assume_role_cache_key({**self._arguments, "WebIdentityToken": token})

    def __contains__(self, key: object) -> bool:
        name = self._name(key)
        return name is not None and name in self.cache

    def __getitem__(self, key: str) -> dict[str, Any]:
        name = self._name(key)
        if name is None:
            raise KeyError(key)
        return self.cache[name]

    def __setitem__(self, key: str, value: Any) -> None:
        name = self._name(key)
        if name is not None:
            self.cache[name] = value


def install_cli_cache(
    session: Session, cache: CredentialFileCache, environ: Mapping[str, str] | None = None
) -> None:
    """Give the session's role, web-identity and SSO providers ``cache``, as the AWS CLI
    gives its role providers ``~/.aws/cli/cache``. ``environ``: the environment the
    session reads (default: the process's)."""
    resolver = session.get_component("credential_provider")
    for name in CACHED_PROVIDERS:
        provider = resolver.get_provider(name)
        if provider is None or not hasattr(provider, "cache"):
            continue
        if name == "assume-role-with-web-identity":
            provider.cache = _web_identity_cache(
                session, cache, os.environ if environ is None else environ
            )
        else:
            provider.cache = cache


def _web_identity_cache(
    session: Session, cache: CredentialFileCache, environ: Mapping[str, str]
) -> WebIdentityCache | None:
    """The web-identity settings as botocore's provider reads them: the environment (unless
    the session was given a profile), then the profile."""
    profile = session.get_config_variable("profile") or "default"
    section = session.full_config.get("profiles", {}).get(profile, {})
    use_environment = session.instance_variables().get("profile") is None
    variables = {
        "web_identity_token_file": "AWS_WEB_IDENTITY_TOKEN_FILE",
        "role_arn": "AWS_ROLE_ARN",
        "role_session_name": "AWS_ROLE_SESSION_NAME",
    }
    found: dict[str, Any] = {}
    for key, variable in variables.items():
        if use_environment and variable in environ:
            found[key] = environ[variable]
        else:
            found[key] = section.get(key)
    token_file, role_arn = found["web_identity_token_file"], found["role_arn"]
    session_name = found["role_session_name"]
    if not (isinstance(token_file, str) and token_file and isinstance(role_arn, str)):
        return None
    if session_name is not None and not isinstance(session_name, str):
        return None
    return WebIdentityCache(cache, role_arn, session_name, token_file)
