"""A read-only, merged view of kubeconfig files, with kubectl's merge rules."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eks_token.errors import KubeconfigError

__all__ = [
    "EXEC_EXTENSION_NAME",
    "ClusterEntry",
    "ContextView",
    "ExecEntry",
    "KubeConfig",
    "UserEntry",
]

#: The cluster extension kubectl hands to exec plugins as ``spec.cluster.config``.
EXEC_EXTENSION_NAME = "client.authentication.k8s.io/exec"
_SECTIONS = ("clusters", "users", "contexts")


@dataclass(frozen=True)
class ExecEntry:
    """A user's ``exec`` block."""

    command: str
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    api_version: str = ""
    provide_cluster_info: bool = False
    interactive_mode: str | None = None

    def __repr__(self) -> str:
        # env values may be credentials: show only the names.
        return (
            f"ExecEntry(command={self.command!r}, args={self.args!r}, "
            f"env_names={sorted(self.env)!r}, api_version={self.api_version!r}, "
            f"provide_cluster_info={self.provide_cluster_info!r}, "
            f"interactive_mode={self.interactive_mode!r})"
        )


@dataclass(frozen=True)
class ClusterEntry:
    """A cluster: where the API server is and how to trust it."""

    name: str
    server: str
    certificate_authority_data: bytes | None = None
    certificate_authority: str | None = None
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    exec_extension: dict[str, Any] | None = None
    source: Path | None = None


@dataclass(frozen=True)
class UserEntry:
    """A user: an exec plugin, static credentials, or neither."""

    name: str
    exec: ExecEntry | None = None
    token: str | None = field(default=None, repr=False)
    source: Path | None = None
    token_file: str | None = None
    #: What kubectl authenticates this user with (see :func:`kubectl_credential`).
    credential: str = "none"
    #: The keys of that credential when it is static (kubectl then never runs ``exec``).
    static_keys: tuple[str, ...] = ()
    #: kubectl's refusal of the user's credentials (its words), or None.
    refused: str | None = None


@dataclass(frozen=True)
class ContextView:
    """A context with its cluster and user resolved."""

    name: str
    namespace: str | None
    cluster: ClusterEntry
    user: UserEntry
    source: Path


@dataclass(frozen=True)
class _Named:
    """One named entry of a section and the file that defined it."""

    body: Mapping[str, Any]
    source: Path


class KubeConfig:
    """One or more parsed kubeconfig documents, merged as kubectl merges them.

    The first file that defines a name wins; ``current-context`` comes from the
    first file that sets it.
    """

    def __init__(
        self,
        documents: Sequence[tuple[Path, Mapping[str, Any]]],
        searched: Sequence[Path] = (),
    ) -> None:
        self.paths: list[Path] = [path for path, _ in documents]
        #: The files looked for (``paths`` are those of them that exist).
        self.searched: list[Path] = list(searched)
        self.current_context: str | None = None
        self._entries: dict[str, dict[str, _Named]] = {section: {} for section in _SECTIONS}
        for path, document in documents:
            current = document.get("current-context")
            if self.current_context is None and isinstance(current, str) and current:
                self.current_context = current
            for section, key in (
                ("clusters", "cluster"),
                ("users", "user"),
                ("contexts", "context"),
            ):
                for name, body in _named_entries(document, section, key, path):
                    self._entries[section].setdefault(name, _Named(body, path))

    def context_names(self) -> list[str]:
        return list(self._entries["contexts"])

    def cluster_names(self) -> list[str]:
        return list(self._entries["clusters"])

    def user_names(self) -> list[str]:
        return list(self._entries["users"])

    def cluster(self, name: str) -> ClusterEntry:
        found = self._entries["clusters"].get(name)
        if found is None:
            raise KubeconfigError(f"no cluster {name!r} in {self._where()}", path=self._first())
        return _cluster_entry(name, found.body, found.source)

    def user(self, name: str) -> UserEntry:
        found = self._entries["users"].get(name)
        if found is None:
            raise KubeconfigError(f"no user {name!r} in {self._where()}", path=self._first())
        return _user_entry(name, found.body, found.source)

    def context(self, name: str | None = None) -> ContextView:
        """The named context, or the current one when ``name`` is None."""
        if name is None:
            name = self.current_context
            if name is None and not self.paths:
                looked = ", ".join(str(path) for path in self.searched) or "no path"
                raise KubeconfigError(
                    f"no kubeconfig file found (looked for {looked}, from --kubeconfig, "
                    "KUBECONFIG or the default ~/.kube/config): write one with 'eks-token "
                    "kubeconfig --name CLUSTER' or point KUBECONFIG at yours",
                    path=str(self.searched[0]) if self.searched else None,
                )
            if name is None:
                raise KubeconfigError(
                    f"no current-context in {self._where()}; pass a context name "
                    "or run 'kubectl config use-context NAME'",
                    path=self._first(),
                )
        found = self._entries["contexts"].get(name)
        if found is None:
            known = ", ".join(self.context_names()) or "none"
            raise KubeconfigError(
                f"no context {name!r} in {self._where()} (contexts: {known})", path=self._first()
            )
        body, source = found.body, found.source
        cluster_name = body.get("cluster")
        user_name = body.get("user")
        if not isinstance(cluster_name, str) or not cluster_name:
            raise KubeconfigError(
                f"context {name!r} in {source} names no cluster", path=str(source)
            )
        if not isinstance(user_name, str) or not user_name:
            raise KubeconfigError(f"context {name!r} in {source} names no user", path=str(source))
        if cluster_name not in self._entries["clusters"]:
            raise KubeconfigError(
                f"context {name!r} in {source} uses cluster {cluster_name!r}, "
                f"which {self._where()} does not define",
                path=str(source),
            )
        if user_name not in self._entries["users"]:
            raise KubeconfigError(
                f"context {name!r} in {source} uses user {user_name!r}, "
                f"which {self._where()} does not define",
                path=str(source),
            )
        namespace = body.get("namespace")
        return ContextView(
            name=name,
            namespace=namespace if isinstance(namespace, str) and namespace else None,
            cluster=self.cluster(cluster_name),
            user=self.user(user_name),
            source=source,
        )

    def _where(self) -> str:
        if not self.paths:
            return "the kubeconfig (no file found)"
        return ", ".join(str(path) for path in self.paths)

    def _first(self) -> str | None:
        return str(self.paths[0]) if self.paths else None


def _named_entries(
    document: Mapping[str, Any], section: str, key: str, path: Path
) -> list[tuple[str, Mapping[str, Any]]]:
    items = document.get(section)
    if items is None:
        return []
    if not isinstance(items, list):
        raise KubeconfigError(f"{path}: {section} must be a list", path=str(path))
    found: list[tuple[str, Mapping[str, Any]]] = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise KubeconfigError(
                f"{path}: every entry of {section} needs a name and a {key}", path=str(path)
            )
        body = item.get(key)
        found.append((item["name"], body if isinstance(body, Mapping) else {}))
    return found


def _cluster_entry(name: str, body: Mapping[str, Any], source: Path) -> ClusterEntry:
    server = body.get("server")
    if not isinstance(server, str) or not server:
        raise KubeconfigError(f"cluster {name!r} in {source} has no server", path=str(source))
    ca_data: bytes | None = None
    raw_ca = body.get("certificate-authority-data")
    if raw_ca:
        try:
            ca_data = base64.b64decode(str(raw_ca), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise KubeconfigError(
                f"cluster {name!r} in {source}: certificate-authority-data is not base64",
                path=str(source),
            ) from exc
    ca_file = body.get("certificate-authority")
    if isinstance(ca_file, str) and ca_file and not Path(ca_file).is_absolute():
        # kubectl resolves relative paths against the file that holds them.
        ca_file = str(source.parent / ca_file)
    server_name = body.get("tls-server-name")
    return ClusterEntry(
        name=name,
        server=server,
        certificate_authority_data=ca_data,
        certificate_authority=ca_file if isinstance(ca_file, str) and ca_file else None,
        insecure_skip_tls_verify=body.get("insecure-skip-tls-verify") is True,
        tls_server_name=server_name if isinstance(server_name, str) and server_name else None,
        exec_extension=_exec_extension(body),
        source=source,
    )


def _exec_extension(body: Mapping[str, Any]) -> dict[str, Any] | None:
    extensions = body.get("extensions")
    if not isinstance(extensions, list):
        return None
    for item in extensions:
        if isinstance(item, Mapping) and item.get("name") == EXEC_EXTENSION_NAME:
            value = item.get("extension")
            return dict(value) if isinstance(value, Mapping) else None
    return None


def _user_entry(name: str, body: Mapping[str, Any], source: Path) -> UserEntry:
    raw_exec = body.get("exec")
    token = body.get("token")
    token_file = body.get("tokenFile")
    credential, keys, refused = kubectl_credential(name, body)
    return UserEntry(
        name=name,
        exec=exec_entry_from_mapping(raw_exec, name, source) if raw_exec is not None else None,
        token=token if isinstance(token, str) and token else None,
        source=source,
        token_file=token_file if isinstance(token_file, str) and token_file else None,
        credential=credential,
        static_keys=keys,
        refused=refused,
    )


#: The keys of the static credentials kubectl uses before an exec entry.
_STATIC_KEYS = (
    "token",
    "tokenFile",
    "client-certificate",
    "client-certificate-data",
    "client-key",
    "client-key-data",
    "username",
    "password",
)


def kubectl_credential(
    name: str, body: Mapping[str, Any]
) -> tuple[str, tuple[str, ...], str | None]:
    """What kubectl authenticates user ``name`` (its kubeconfig ``user`` mapping) with:
    ``(credential, static keys, refusal)``.

    kubectl first refuses what its kubeconfig validation refuses (a token beside a
    username or password, a client certificate without a key, an auth-provider beside an
    exec entry); then a static credential comes before ``exec``: a ``token``, a
    ``tokenFile``, a client certificate with its key, or a ``username`` (the exec plugin
    is then never run). Only then ``exec``, then ``auth-provider``. ``credential`` is one
    of token, tokenFile, client-certificate, basic, exec, auth-provider or none.
    """

    def has(key: str) -> bool:
        value = body.get(key)
        return value is not None and value != ""

    refusal: str | None = None
    methods = [
        label
        for label, keys in (("token", ("token",)), ("basicAuth", ("username", "password")))
        if any(has(k) for k in keys)
    ]
    if len(methods) > 1:
        refusal = (
            f"more than one authentication method found for {name}; found "
            f"[{' '.join(methods)}], only one is allowed"
        )
    elif (has("client-certificate") or has("client-certificate-data")) and not (
        has("client-key") or has("client-key-data")
    ):
        refusal = (
            f"client-key-data or client-key must be specified for {name} to use the "
            "clientCert authentication method"
        )
    elif body.get("exec") is not None and body.get("auth-provider") is not None:
        refusal = f"authProvider cannot be provided in combination with an exec plugin for {name}"
    cert = has("client-certificate") or has("client-certificate-data")
    key = has("client-key") or has("client-key-data")
    static = (
        "token"
        if has("token")
        else "tokenFile"
        if has("tokenFile")
        else "client-certificate"
        if cert and key
        else "basic"
        if has("username")
        else None
    )
    if static is not None:
        return static, tuple(k for k in _STATIC_KEYS if has(k)), refusal
    if body.get("exec") is not None:
        return "exec", (), refusal
    if body.get("auth-provider") is not None:
        return "auth-provider", (), refusal
    return "none", (), refusal


def exec_entry_from_mapping(raw: object, user: str, source: Path) -> ExecEntry:
    """Parse a user's ``exec`` block; malformed blocks are a KubeconfigError."""

    def bad(what: str) -> KubeconfigError:
        return KubeconfigError(f"user {user!r} in {source}: {what}", path=str(source))

    if not isinstance(raw, Mapping):
        raise bad("exec must be a mapping")
    command = raw.get("command")
    if not isinstance(command, str) or not command:
        raise bad("exec has no command")
    args = raw.get("args") or []
    if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args):
        raise bad("exec args must be a list of strings")
    env: dict[str, str] = {}
    for item in raw.get("env") or []:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise bad("every exec env entry needs a name and a value")
        value = item.get("value")
        env[item["name"]] = "" if value is None else str(value)
    api_version = raw.get("apiVersion")
    mode = raw.get("interactiveMode")
    return ExecEntry(
        command=command,
        args=list(args),
        env=env,
        api_version=api_version if isinstance(api_version, str) else "",
        provide_cluster_info=raw.get("provideClusterInfo") is True,
        interactive_mode=mode if isinstance(mode, str) and mode else None,
    )
