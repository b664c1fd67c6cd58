"""The shared AWS config and credentials files, read as a botocore session reads them.

Parsed with botocore's own INI reader (``botocore.configloader``, a small module
without the rest of botocore), so comments, case, odd spacing and nested
values mean exactly what they mean to botocore. :class:`ProfileFiles` holds
the three views botocore's credential providers use: the session's
``full_config`` (config-file profiles with the credentials file's sections
merged over them), the credentials file alone (``SharedCredentialProvider``)
and the config file alone (``ConfigProvider``).
"""

from __future__ import annotations

import copy
from typing import Any

from eks_token.core.paths import CONFIG_FILE, CREDENTIALS_FILE, aws_file_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["ProfileFiles", "load_profile_files"]


class ProfileFiles:
    """Both files, parsed; see the module's description for the three views."""

    __slots__ = ("config_profiles", "credentials", "full_config")

    def __init__(
        self,
        full_config: dict[str, Any],
        credentials: dict[str, Any],
        config_profiles: dict[str, Any],
    ) -> None:
        #: ``session.full_config``: ``profiles``, ``sso_sessions``, ``services``, ...
        self.full_config = full_config
        #: The credentials file: section name -> settings.
        self.credentials = credentials
        #: The config file's profiles alone.
        self.config_profiles = config_profiles

    @property
    def profiles(self) -> dict[str, Any]:
        found: dict[str, Any] = self.full_config["profiles"]
        return found


def load_profile_files(environ: Mapping[str, str]) -> ProfileFiles | None:
    """Both files as the botocore session of ``environ`` would read them; None when either
    cannot be parsed (botocore then reports it)."""
    from botocore import configloader
    from botocore.exceptions import BotoCoreError, ConfigNotFound

    try:
        try:
            config = configloader.load_config(aws_file_path(CONFIG_FILE, environ))
        except ConfigNotFound:
            config = {"profiles": {}}
        try:
            credentials = configloader.raw_config_parse(aws_file_path(CREDENTIALS_FILE, environ))
        except ConfigNotFound:
            credentials = {}
    except (BotoCoreError, OSError, ValueError):
        return None
    config_profiles = copy.deepcopy(config.get("profiles", {}))
    full = config
    profiles = full.setdefault("profiles", {})
    for name, values in credentials.items():
        if name not in profiles:
            profiles[name] = copy.deepcopy(values)
        else:
            profiles[name].update(values)
    return ProfileFiles(full, credentials, config_profiles)
