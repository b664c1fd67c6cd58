"""A bearer token for a kubeconfig context, made in-process from its exec entry."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from .errors import KubeconfigError

if TYPE_CHECKING:
    from .generator import TokenSigner
    from .kubeconfig import ContextView, ExecEntry, ExecInvocation

__all__ = ["signer_for_invocation", "token_for_context"]


def signer_for_invocation(
    invocation: ExecInvocation, entry: ExecEntry, environ: Mapping[str, str] | None = None
) -> TokenSigner:
    """The signer the exec entry's tool would use (its env applied over ``environ``)."""
    from .generator import TokenSigner

    base = os.environ if environ is None else environ
    return TokenSigner(
        region=invocation.region,
        profile=invocation.profile,
        role_arn=invocation.role_arn,
        external_id=invocation.external_id,
        session_name=invocation.session_name,
        forward_session_name=invocation.forward_session_name,
        environ={**base, **entry.env},
    )


def token_for_context(
    view: ContextView, *, now: datetime | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """Sign a token as the context's exec entry would, or use its static token."""
    from .kubeconfig import parse_exec_invocation

    entry = view.user.exec
    if entry is None:
        if view.user.token:
            return view.user.token
        raise KubeconfigError(
            f"user {view.user.name!r} of context {view.name!r} has neither an exec entry nor a "
            "token",
            path=str(view.source),
        )
    invocation = parse_exec_invocation(entry)
    if invocation is None:
        raise KubeconfigError(
            f"the exec command {entry.command!r} of context {view.name!r} is not eks-token, "
            "aws eks get-token or aws-iam-authenticator",
            path=str(view.source),
        )
    if not invocation.cluster_id:
        raise KubeconfigError(
            f"the exec entry of context {view.name!r} names no cluster id", path=str(view.source)
        )
    signer = signer_for_invocation(invocation, entry, environ)
    return signer.get_token(invocation.cluster_id, now=now).value
