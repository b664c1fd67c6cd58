"""One token request, resolved from the command line, the environment and kubectl's exec info.

The rules every entry point shares (the full ``token`` and ``get-token`` commands,
the cache-hit path, and signing for a kubeconfig context in-process):

- ``token`` (aws-iam-authenticator's form): the cluster id is ``-i``, else
  ``KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID``; the role is ``-r``, else ``DEFAULT_ROLE``.
- ``get-token`` (the AWS CLI's form) reads neither variable.
- With no cluster id given, it and the region come from the cluster's exec extension
  (``provideClusterInfo: true``); a region given explicitly wins.
- The profile is ``--profile`` only. ``AWS_PROFILE`` stays in the environment the
  request is signed in, where botocore's chain reads it after the environment's keys
  (a profile given explicitly skips them). In-process, that environment is the exec
  entry's ``env`` over the process's, as kubectl runs the plugin in.

Everything is checked here, once: a request that resolves is one the signer accepts.
"""

from __future__ import annotations

import os

from eks_token.core.inputs import validate_cluster_id
from eks_token.core.options import SignerOptions
from eks_token.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Unpack

    from eks_token.core.options import SignerOptionArgs
    from eks_token.exec_plugin.exec_info import ExecInfo

__all__ = [
    "CLUSTER_ID_VARIABLE",
    "ROLE_VARIABLE",
    "TokenRequest",
    "from_environment",
    "resolve_token_request",
]

CLUSTER_ID_VARIABLE = "KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID"
ROLE_VARIABLE = "DEFAULT_ROLE"

#: How each form names the cluster on its command line (and, for ``token``, a variable).
_CLUSTER_WAYS = {
    "token": "pass -i/--cluster-id CLUSTER, or set KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID",
    "get-token": "pass --cluster-name NAME (or --cluster-id ID)",
}


class TokenRequest:
    """A cluster id, the signer's options and the environment the credentials come from:
    everything that decides which token is right.

    ``environ`` (default: the process environment) is where the signer's credential chain,
    region and endpoint settings are read; for a kubeconfig context signed in-process, the
    exec entry's ``env`` over the process's.
    """

    __slots__ = ("cluster_id", "environ", "options")

    cluster_id: str
    options: SignerOptions
    environ: Mapping[str, str]

    def __init__(
        self,
        cluster_id: str,
        options: SignerOptions,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        object.__setattr__(self, "cluster_id", validate_cluster_id(cluster_id))
        object.__setattr__(self, "options", options)
        object.__setattr__(self, "environ", os.environ if environ is None else environ)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"TokenRequest is frozen: {name}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TokenRequest):
            return NotImplemented
        if (self.cluster_id, self.options) != (other.cluster_id, other.options):
            return False
        return self.environ is other.environ or dict(self.environ) == dict(other.environ)

    def __hash__(self) -> int:
        return hash((self.cluster_id, self.options))

    def __repr__(self) -> str:
        return f"TokenRequest({self.cluster_id!r}, {self.options!r})"


def from_environment(
    form: str, environ: Mapping[str, str], *, cluster_id: str | None, role_arn: str | None
) -> tuple[str | None, str | None]:
    """The cluster id and role after aws-iam-authenticator's variables (``token`` form only)."""
    if form == "token":
        if cluster_id is None:
            cluster_id = environ.get(CLUSTER_ID_VARIABLE) or None
        role_arn = role_arn or environ.get(ROLE_VARIABLE) or None
    elif form != "get-token":
        raise ValueError(f"unknown token command form {form!r}")
    return cluster_id, role_arn


def resolve_token_request(
    form: str,
    *,
    environ: Mapping[str, str],
    exec_info: ExecInfo | None,
    cluster_id: str | None = None,
    **options: Unpack[SignerOptionArgs],
) -> TokenRequest:
    """The request the ``form`` command (``token`` or ``get-token``) makes with these
    options (the fields of :class:`~eks_token.core.options.SignerOptions`) in ``environ``.

    The one resolution of a token request: the exec-plugin commands, their cache-hit
    path and every in-process path (:mod:`eks_token.inprocess.context_token`) call it.

    Raises :class:`~eks_token.errors.InvalidInputError` (or ``ExecInfoError`` for a
    malformed exec extension) naming what to fix.
    """
    cluster_id, options["role_arn"] = from_environment(
        form, environ, cluster_id=cluster_id, role_arn=options.get("role_arn")
    )
    if cluster_id is None and exec_info is not None and exec_info.cluster is not None:
        cluster_id = exec_info.cluster.cluster_id()
        options["region"] = options.get("region") or exec_info.cluster.region()
    if cluster_id is None:
        raise UsageError(
            f"no cluster id: {_CLUSTER_WAYS[form]} (or, with provideClusterInfo: true in the "
            "kubeconfig, give the cluster a client.authentication.k8s.io/exec extension with "
            "cluster-id)",
            option="cluster_id",
        )
    return TokenRequest(cluster_id, SignerOptions(**options), environ)
