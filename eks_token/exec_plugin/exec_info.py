"""What kubectl tells an exec plugin through ``KUBERNETES_EXEC_INFO``.

The one reader of the variable: the full commands, the cache-hit path
(:mod:`eks_token.cli._fast`) and the MFA prompter (:mod:`eks_token.aws.mfa`) all
use it, so a cached answer is given for exactly the inputs the full command
answers without a warning, and a code is asked for only where kubectl allows it. It is on the
start-up path, so it loads only :mod:`eks_token.exec_plugin.lean_json` and the errors
(``json`` only for documents the lean reader leaves to it).
"""

from __future__ import annotations

import os
import sys

from eks_token.errors import ExecInfoError
from eks_token.exec_plugin.lean_json import loads as lean_loads

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = [
    "API_V1",
    "API_V1ALPHA1",
    "API_V1BETA1",
    "EXEC_INFO_VARIABLE",
    "ClusterInfo",
    "ExecInfo",
    "parse_json",
    "read_exec_info",
]

EXEC_INFO_VARIABLE = "KUBERNETES_EXEC_INFO"
CLUSTER_ID_KEYS = ("cluster-id", "cluster-name")
# The same values as eks_token.core.token's (importing it would load datetime and base64).
API_V1 = "client.authentication.k8s.io/v1"
API_V1BETA1 = "client.authentication.k8s.io/v1beta1"
API_V1ALPHA1 = "client.authentication.k8s.io/v1alpha1"


class ClusterInfo:
    """``spec.cluster`` of the ExecCredential, present with ``provideClusterInfo: true``."""

    __slots__ = (
        "_malformed_config",
        "certificate_authority_data",
        "config",
        "proxy_url",
        "server",
        "tls_server_name",
    )

    def __init__(self, spec_cluster: Mapping[str, Any]) -> None:
        self.server: str | None = _str_or_none(spec_cluster.get("server"))
        self.certificate_authority_data: str | None = _str_or_none(
            spec_cluster.get("certificate-authority-data")
        )
        self.tls_server_name: str | None = _str_or_none(spec_cluster.get("tls-server-name"))
        self.proxy_url: str | None = _str_or_none(spec_cluster.get("proxy-url"))
        config = spec_cluster.get("config")
        self.config: Mapping[str, Any] | None = config if isinstance(config, dict) else None
        self._malformed_config = config is not None and not isinstance(config, dict)

    def cluster_id(self) -> str:
        """The cluster id from the ``client.authentication.k8s.io/exec`` extension."""
        if self._malformed_config:
            raise ExecInfoError(
                "the cluster's client.authentication.k8s.io/exec extension must be a mapping "
                "such as {cluster-id: NAME, region: REGION}"
            )
        if self.config is None:
            raise ExecInfoError(
                "no cluster id: pass -i CLUSTER_ID, or give the cluster a "
                "client.authentication.k8s.io/exec extension with cluster-id "
                "(and provideClusterInfo: true on the user's exec entry)"
            )
        for key in CLUSTER_ID_KEYS:
            value = self.config.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        raise ExecInfoError(
            "the cluster's client.authentication.k8s.io/exec extension has no cluster-id; "
            "add cluster-id: NAME to it"
        )

    def region(self) -> str | None:
        """The region from the extension, if it names one."""
        if self.config is None:
            return None
        value = self.config.get("region")
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise ExecInfoError(
                "the cluster's client.authentication.k8s.io/exec extension has a region "
                "that is not a string; write region: REGION"
            )
        return value.strip()


class ExecInfo:
    """The parsed variable: which apiVersion to answer with, and what kubectl shared."""

    __slots__ = ("api_version", "cluster", "interactive", "warning")

    def __init__(
        self,
        api_version: str,
        *,
        interactive: bool | None = None,
        cluster: ClusterInfo | None = None,
        warning: str | None = None,
    ) -> None:
        self.api_version = api_version
        #: ``spec.interactive``: True or False as kubectl says it; None when it does not
        #: (no variable, or one that is not JSON or has no boolean there).
        self.interactive = interactive
        self.cluster = cluster
        #: One line to show on stderr (fallbacks and deprecations), or None.
        self.warning = warning


def read_exec_info(environ: Mapping[str, str] | None = None) -> ExecInfo:
    """Parse ``KUBERNETES_EXEC_INFO``; never fails.

    Missing: v1beta1, silently. Unparseable, not an object, or an unknown
    version: v1beta1 with a warning. v1alpha1 is echoed with a deprecation warning.
    """
    env = os.environ if environ is None else environ
    raw = env.get(EXEC_INFO_VARIABLE)
    if raw is None or not raw.strip():
        return ExecInfo(API_V1BETA1)
    try:
        data = parse_json(raw)
    except ValueError:
        return ExecInfo(
            API_V1BETA1,
            warning=f"{EXEC_INFO_VARIABLE} is not valid JSON; answering with {API_V1BETA1}",
        )
    if not isinstance(data, dict):
        return ExecInfo(
            API_V1BETA1,
            warning=f"{EXEC_INFO_VARIABLE} is not a JSON object; answering with {API_V1BETA1}",
        )
    version = data.get("apiVersion")
    spec = data.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    said = spec.get("interactive")
    interactive = said if isinstance(said, bool) else None
    cluster_spec = spec.get("cluster")
    cluster = ClusterInfo(cluster_spec) if isinstance(cluster_spec, dict) else None
    if version in (API_V1, API_V1BETA1):
        return ExecInfo(version, interactive=interactive, cluster=cluster)
    if version == API_V1ALPHA1:
        return ExecInfo(
            version,
            interactive=interactive,
            cluster=cluster,
            warning=(
                f"{API_V1ALPHA1} is deprecated and kubectl 1.24+ rejects it; "
                f"set the exec entry's apiVersion to {API_V1BETA1} or {API_V1}"
            ),
        )
    return ExecInfo(
        API_V1BETA1,
        interactive=interactive,
        cluster=cluster,
        warning=(
            f"{EXEC_INFO_VARIABLE} names unknown apiVersion {version!r}; "
            f"answering with {API_V1BETA1}"
        ),
    )


def parse_json(text: str | bytes) -> object:
    """``text`` as JSON: the lean reader first, ``json`` for what it leaves (surrogate
    escapes, NaN, Infinity, invalid documents); ValueError when it is not JSON, or nested
    too deeply to read (every JSON document from outside is read here)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if "json" not in sys.modules:  # once json is loaded anyway, it is the faster reader
        try:
            return lean_loads(text)
        except ValueError:
            pass
    import json

    try:
        value: object = json.loads(text)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc
    return value


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
