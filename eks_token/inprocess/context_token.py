"""What a kubeconfig context's exec entry would do, done in-process.

:func:`request_for_context` is the one place that turns a context into the
token request its exec plugin would make, resolved by the plugin's own
:func:`~eks_token.exec_plugin.request.resolve_token_request` from the parsed
arguments, the cluster's ``client.authentication.k8s.io/exec`` extension (with
``provideClusterInfo``, the ``--shared-user`` layout), and the entry's ``env``
over the process environment. ``whoami``, ``can-i``, ``map --from-cluster``,
the doctor and the kubernetes client loader all build their signer from it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from eks_token.errors import ContextEntryError, EksTokenError, KubeconfigError

if TYPE_CHECKING:
    from eks_token.aws.signer import TokenSigner
    from eks_token.exec_plugin.request import TokenRequest
    from eks_token.kubeconfig.exec_args import ExecInvocation
    from eks_token.kubeconfig.model import ContextView

__all__ = [
    "ContextEntryError",
    "request_for_context",
    "signer_for_context",
    "token_for_context",
]

_TOOLS = "eks-token, aws eks get-token, aws-iam-authenticator or heptio-authenticator-aws"


def request_for_context(
    view: ContextView, environ: Mapping[str, str] | None = None, *, other_tool_hint: str = ""
) -> tuple[ExecInvocation, TokenRequest]:
    """The context's exec entry, and the token request its plugin would resolve.

    The request is resolved by :func:`~eks_token.exec_plugin.request.resolve_token_request`,
    as ``eks-token token`` and ``get-token`` resolve theirs, from what kubectl would hand
    the plugin: the entry's arguments, ``environ`` (default: ``os.environ``) with the
    entry's ``env`` applied over it, and the cluster's exec extension (with
    ``provideClusterInfo``). Its environment is the one credentials are read from, so the
    identity is the plugin's: ``AWS_PROFILE`` in the entry's env is no ``--profile``.
    Raises :class:`ContextEntryError`.
    """
    from eks_token.kubeconfig.exec_args import parse_exec_invocation

    where = str(view.source)
    entry = view.user.exec
    if entry is None:
        raise ContextEntryError(
            f"user {view.user.name!r} of context {view.name!r} has no exec entry",
            path=where,
            fix="run 'eks-token kubeconfig --name CLUSTER' or point the user's exec entry at "
            "'eks-token token -i CLUSTER'",
        )
    invocation = parse_exec_invocation(entry)
    if invocation is None:
        raise ContextEntryError(
            f"the exec command {entry.command!r} of context {view.name!r} is not an EKS token tool",
            path=where,
            fix=f"only {_TOOLS} entries can be signed for in-process{other_tool_hint}",
        )
    if invocation.unknown_args:
        raise ContextEntryError(
            f"the exec entry of user {view.user.name!r} has arguments that are not understood: "
            f"{' '.join(invocation.unknown_args)}",
            path=where,
            fix="remove those arguments, or run 'eks-token kubeconfig migrate'",
        )
    base = os.environ if environ is None else environ
    return invocation, _request(view, invocation, {**base, **entry.env})


def _request(view: ContextView, invocation: ExecInvocation, env: Mapping[str, str]) -> TokenRequest:
    """The request the plugin would resolve, with what kubectl would hand it."""
    from eks_token.exec_plugin.exec_info import ClusterInfo, ExecInfo
    from eks_token.exec_plugin.request import resolve_token_request

    where = str(view.source)
    entry = view.user.exec
    extension = view.cluster.exec_extension
    provided = entry is not None and entry.provide_cluster_info and extension is not None
    info = ExecInfo(
        entry.api_version if entry is not None else "",
        cluster=ClusterInfo({"config": extension}) if provided else None,
    )
    if invocation.cluster_id is None and not provided:
        hint = (
            "set provideClusterInfo: true on the exec entry (the cluster has an exec extension)"
            if extension is not None
            else "add -i CLUSTER to the exec args, or give the cluster a "
            "client.authentication.k8s.io/exec extension {cluster-id: NAME, region: REGION} "
            "and the exec entry provideClusterInfo: true"
        )
        raise ContextEntryError(
            f"the exec entry of context {view.name!r} names no cluster id", path=where, fix=hint
        )
    try:
        return resolve_token_request(
            invocation.form,
            environ=env,
            exec_info=info,
            cluster_id=invocation.cluster_id,
            region=invocation.region,
            profile=invocation.profile_argument,
            role_arn=invocation.role_arn,
            external_id=invocation.external_id,
            session_name=invocation.session_name,
            forward_session_name=invocation.forward_session_name,
        )
    except EksTokenError as exc:
        fix = (
            "write the cluster's extension as {cluster-id: NAME, region: REGION}"
            if invocation.cluster_id is None
            else "correct the exec entry's arguments"
        )
        raise ContextEntryError(
            f"context {view.name!r}, cluster {view.cluster.name!r}: {exc}", path=where, fix=fix
        ) from exc


def signer_for_context(
    view: ContextView, environ: Mapping[str, str] | None = None, *, other_tool_hint: str = ""
) -> tuple[TokenSigner, str]:
    """The context's signer and the cluster id it signs for."""
    from eks_token.aws.signer import TokenSigner

    _, request = request_for_context(view, environ, other_tool_hint=other_tool_hint)
    return TokenSigner.for_request(request), request.cluster_id


def token_for_context(
    view: ContextView, *, now: datetime | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """The bearer token kubectl sends for the context: its static token or token file when
    kubectl uses those (before any exec entry), else one signed as the exec entry would."""
    user = view.user
    if not user.refused and user.credential == "token" and user.token:
        return user.token
    if not user.refused and user.credential == "tokenFile" and user.token_file:
        return _read_token_file(user.token_file, view)
    if view.user.exec is None:
        raise KubeconfigError(
            f"user {view.user.name!r} of context {view.name!r} has neither an exec entry nor a "
            "token",
            path=str(view.source),
        )
    signer, cluster_id = signer_for_context(view, environ)
    return signer.get_token(cluster_id, now=now).value


def _read_token_file(name: str, view: ContextView) -> str:
    """The token in the user's ``tokenFile``, as kubectl reads it (surrounding blanks off)."""
    from pathlib import Path

    from eks_token.kubeconfig.files import read_bytes

    path = Path(name).expanduser()
    if not path.is_absolute():
        # kubectl resolves it against the file that defines the user.
        path = (view.user.source or view.source).parent / path
    try:
        data = read_bytes(path)
    except KubeconfigError as exc:
        raise KubeconfigError(f"user {view.user.name!r}: tokenFile: {exc}", path=name) from exc
    token = data.decode("utf-8", "replace").strip() if data is not None else ""
    if data is None or not token:
        what = "does not exist" if data is None else "is empty"
        raise KubeconfigError(
            f"user {view.user.name!r}: tokenFile {path} {what}", path=str(view.source)
        )
    return token
