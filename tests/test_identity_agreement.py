"""Every in-process path signs with the identity the exec plugin signs with.

For each case a kubeconfig's exec entry (eks-token, its args, its env) is run as kubectl
runs it: the real plugin as a child process with the entry's env over the test's, and the
real kubectl against a local API server. Then ``token_for_context``,
``api_client_from_kubeconfig(environ=...)``, ``eks-token whoami`` and ``eks-token can-i``
(through their command lines, against the same server) and the doctor's in-process step
sign for the same context; each must use the plugin's access key id and STS host.

Which identity is right is botocore's rule, checked against the plugin: the environment's
keys come before ``AWS_PROFILE`` (from the process or the entry's env), a ``--profile``
argument comes before the environment's keys, and web identity and container variables
are read from the environment the plugin sees.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from kubernetes.client import CoreV1Api

from eks_token.clock import format_rfc3339, utc_now
from eks_token.core.token import decode_token
from eks_token.doctor.run import run_doctor
from eks_token.inprocess.context_token import token_for_context
from eks_token.kubeconfig.files import load_context
from eks_token.transport.kubernetes_client import api_client_from_kubeconfig
from tests.support import kube
from tests.support.api_server import ApiServer, KubeUser, Rule
from tests.support.aws_env import EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY, AwsEnv
from tests.support.cli import EKS_TOKEN, run_cli
from tests.support.local_server import LocalServer, RecordedRequest, Response, Tls
from tests.support.sigv4_check import is_sts_host
from tests.support.sts_standin import StsStandin

CLUSTER = "my-cluster"
ROLE = "arn:aws:iam::111122223333:role/deployer"
EXEC_INFO = json.dumps(
    {
        "kind": "ExecCredential",
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "spec": {"interactive": False},
    }
)

#: label -> (access key id, secret); the API server maps each key to the user ``label``.
IDENTITIES = {
    "env": (EXAMPLE_ACCESS_KEY_ID, EXAMPLE_SECRET_ACCESS_KEY),
    "team": ("AKIAI44QH8DHBTEAM001", "teamSecretKeyEXAMPLEaaaaaaaaaaaaaaaaaaaa"),
    "other": ("AKIAI44QH8DHBOTHER01", "otherSecretKeyEXAMPLEaaaaaaaaaaaaaaaaaaa"),
    "decoy": ("AKIAI44QH8DHBDECOY01", "decoySecretKeyEXAMPLEaaaaaaaaaaaaaaaaaaa"),
    "role-from-env": ("ASIAROLEFROMENV00001", "roleFromEnvSecretEXAMPLEaaaaaaaaaaaaaaaa"),
    "role-from-team": ("ASIAROLEFROMTEAM0001", "roleFromTeamSecretEXAMPLEaaaaaaaaaaaaaaa"),
    "web-identity": ("ASIAWEBIDENTITY00001", "webIdentitySecretEXAMPLEaaaaaaaaaaaaaaaa"),
    "container": ("ASIACONTAINER0000001", "containerSecretEXAMPLEaaaaaaaaaaaaaaaaaa"),
}
_LABEL_OF_KEY = {key: label for label, (key, _) in IDENTITIES.items()}
_STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"


class RoleService(LocalServer):
    """STS's AssumeRole and AssumeRoleWithWebIdentity over HTTPS on 127.0.0.1 (tokens for
    its endpoint are https URLs, as the cluster requires): the role's credentials tell
    which base credentials asked for them (``role-from-<caller>``)."""

    def __init__(self) -> None:
        super().__init__(tls=Tls())

    def respond(self, request: RecordedRequest) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        action = form.get("Action", "")
        if action == "AssumeRoleWithWebIdentity":
            label = "web-identity"
        else:
            caller = re.search(r"Credential=([A-Z0-9]+)/", request.header("authorization") or "")
            label = f"role-from-{_LABEL_OF_KEY.get(caller.group(1) if caller else '', '?')}"
        key, secret = IDENTITIES.get(label, ("ASIAUNKNOWNCALLER001", "x"))
        session = form.get("RoleSessionName", "s")
        body = (
            f'<{action}Response xmlns="{_STS_XMLNS}"><{action}Result><Credentials>'
            f"<AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
            f"<SessionToken>session-of-{label}</SessionToken>"
            f"<Expiration>{format_rfc3339(utc_now() + timedelta(hours=1))}</Expiration>"
            "</Credentials><AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:"
            f"{session}</AssumedRoleId><Arn>arn:aws:sts::111122223333:assumed-role/deployer/"
            f"{session}</Arn></AssumedRoleUser></{action}Result>"
            f"<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></{action}Response>"
        )
        return Response(200, body.encode(), [("Content-Type", "text/xml")])


class ContainerAgent(LocalServer):
    """The container credentials endpoint (ECS, EKS Pod Identity) on 127.0.0.1."""

    def respond(self, request: RecordedRequest) -> Response:
        key, secret = IDENTITIES["container"]
        return Response.json(
            200,
            {
                "AccessKeyId": key,
                "SecretAccessKey": secret,
                "Token": "session-of-container",
                "Expiration": format_rfc3339(utc_now() + timedelta(hours=1)),
            },
        )


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    #: who signs (a key of IDENTITIES)
    expect: str
    #: the exec entry's env
    entry_env: Mapping[str, str] = field(default_factory=dict)
    #: changes to the test's process environment (None: unset); {sts}, {container},
    #: {web_token} and {entry_home} stand for the stand-ins' URLs, the web identity token
    #: file and a HOME with its own AWS files
    process_env: Mapping[str, str | None] = field(default_factory=dict)
    #: the STS host the token must be signed for (besides agreeing)
    host: str | None = None


NO_KEYS: Mapping[str, str | None] = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
TOKEN = ("token", "-i", CLUSTER)
WEB_IDENTITY = {"AWS_WEB_IDENTITY_TOKEN_FILE": "{web_token}", "AWS_ROLE_ARN": ROLE}
CONTAINER = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "{container}/v1/credentials"}

CASES = {
    "environment-keys": Case(TOKEN, "env", host="sts.us-west-2.amazonaws.com"),
    # The profile still scopes the configuration: its region names the endpoint.
    "environment-keys-before-the-entrys-AWS_PROFILE": Case(
        TOKEN,
        "env",
        entry_env={"AWS_PROFILE": "team"},
        process_env={"AWS_REGION": None},
        host="sts.eu-west-1.amazonaws.com",
    ),
    "environment-keys-before-either-AWS_PROFILE": Case(
        TOKEN,
        "env",
        entry_env={"AWS_PROFILE": "team"},
        process_env={"AWS_PROFILE": "other"},
    ),
    "the-entrys-AWS_PROFILE-over-the-process's": Case(
        TOKEN,
        "team",
        entry_env={"AWS_PROFILE": "team"},
        process_env={"AWS_PROFILE": "other", **NO_KEYS},
    ),
    "a-profile-argument-before-the-environment-keys": Case(
        (*TOKEN, "--profile", "team"), "team", entry_env={"AWS_PROFILE": "other"}
    ),
    "get-token-with-a-profile-argument": Case(
        ("--profile", "team", "get-token", "--cluster-name", CLUSTER), "team"
    ),
    "a-region-argument-before-get-token": Case(
        ("--region=ap-southeast-2", "get-token", "--cluster-name", CLUSTER),
        "env",
        entry_env={"AWS_PROFILE": "team"},
        host="sts.ap-southeast-2.amazonaws.com",
    ),
    "a-role-assumed-with-the-environment-keys": Case(
        (*TOKEN, "-r", ROLE),
        "role-from-env",
        entry_env={"AWS_PROFILE": "team"},
        process_env={"AWS_ENDPOINT_URL_STS": "{sts}"},
    ),
    "a-role-assumed-with-the-entrys-profile": Case(
        ("get-token", "--cluster-name", CLUSTER, "--role-arn", ROLE),
        "role-from-team",
        entry_env={"AWS_PROFILE": "team"},
        process_env={"AWS_ENDPOINT_URL_STS": "{sts}", **NO_KEYS},
    ),
    "a-role-assumed-with-a-profile-argument": Case(
        (*TOKEN, "--role-arn", ROLE, "--profile", "team"),
        "role-from-team",
        process_env={"AWS_ENDPOINT_URL_STS": "{sts}"},
    ),
    "web-identity-in-the-process-environment": Case(
        TOKEN,
        "web-identity",
        process_env={"AWS_ENDPOINT_URL_STS": "{sts}", **WEB_IDENTITY, **NO_KEYS},
    ),
    "web-identity-in-the-entrys-env": Case(
        TOKEN,
        "web-identity",
        entry_env=WEB_IDENTITY,
        process_env={"AWS_ENDPOINT_URL_STS": "{sts}", **NO_KEYS},
    ),
    # The entry's HOME holds the AWS files (a role profile: botocore, not the lean path, reads
    # it) and the process's AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE are unset.
    "a-role-profile-in-the-entrys-HOME": Case(
        TOKEN,
        "role-from-team",
        entry_env={"HOME": "{entry_home}", "AWS_PROFILE": "deployer"},
        process_env={
            "AWS_ENDPOINT_URL_STS": "{sts}",
            "AWS_CONFIG_FILE": None,
            "AWS_SHARED_CREDENTIALS_FILE": None,
            **NO_KEYS,
        },
    ),
    "container-credentials-in-the-process-environment": Case(
        TOKEN, "container", process_env={**CONTAINER, **NO_KEYS}
    ),
    "container-credentials-in-the-entrys-env": Case(
        TOKEN, "container", entry_env=CONTAINER, process_env=NO_KEYS
    ),
}


@pytest.fixture
def role_service() -> Iterator[RoleService]:
    with RoleService() as server:
        yield server


@pytest.fixture
def container_agent() -> Iterator[ContainerAgent]:
    with ContainerAgent() as server:
        yield server


@pytest.fixture
def cluster() -> Iterator[ApiServer]:
    """The API server: knows every identity's keys, each key is the user of its label, and
    tokens signed for a loopback STS endpoint (the role cases') are accepted too."""
    server = ApiServer(
        cluster_id=CLUSTER,
        keys=dict(IDENTITIES.values()),
        users={key: KubeUser(label) for label, (key, _) in IDENTITIES.items()},
        rules=[Rule("get", "pods")],
        host_allowed=lambda host: is_sts_host(host) or host.startswith("127.0.0.1:"),
    )
    with server:
        yield server


def signed_by(token: str) -> tuple[str, str]:
    """The access key id and the STS host a token was signed with."""
    url = urlsplit(decode_token(token))
    credential = parse_qs(url.query)["X-Amz-Credential"][0]
    return _LABEL_OF_KEY.get(credential.split("/")[0], credential), url.netloc


def last_seen(server: ApiServer) -> tuple[str, str]:
    token = server.tokens[-1]
    assert token is not None
    return signed_by(token)


def write_profiles(config_file: Path, credentials_file: Path) -> None:
    """Profiles team and other with their keys, and deployer: a role with team's."""
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text(
        "[profile team]\nregion = eu-west-1\n[profile other]\nregion = ap-south-1\n"
        f"[profile deployer]\nrole_arn = {ROLE}\nsource_profile = team\nregion = eu-west-1\n"
    )
    credentials_file.write_text(
        "".join(
            f"[{name}]\naws_access_key_id = {IDENTITIES[name][0]}\n"
            f"aws_secret_access_key = {IDENTITIES[name][1]}\n"
            for name in ("team", "other")
        )
    )


def set_process_env(monkeypatch: pytest.MonkeyPatch, changes: Mapping[str, str | None]) -> None:
    for name, value in changes.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def run_plugin(entry: Mapping[str, Any], environ: Mapping[str, str]) -> str:
    """The token the entry's command prints, run as kubectl runs it: the entry's env over
    kubectl's environment, and KUBERNETES_EXEC_INFO."""
    env = {**environ, **{e["name"]: e["value"] for e in entry.get("env", [])}}
    env["KUBERNETES_EXEC_INFO"] = EXEC_INFO
    done = subprocess.run(
        [str(EKS_TOKEN), *entry["args"]],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    token: str = json.loads(done.stdout)["status"]["token"]
    return token


@pytest.mark.parametrize("name", list(CASES))
def test_every_in_process_path_signs_as_the_plugin(
    name: str,
    aws_env: AwsEnv,
    cluster: ApiServer,
    role_service: RoleService,
    container_agent: ContainerAgent,
    sts_standin: StsStandin,
    kubectl: kube.Kubectl,
    eks_token_on_path: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    case = CASES[name]
    write_profiles(aws_env.config_file, aws_env.credentials_file)
    entry_home = tmp_path / "entry-home"
    write_profiles(entry_home / ".aws" / "config", entry_home / ".aws" / "credentials")
    web_token = tmp_path / "web-identity-token"
    web_token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb2QifQ.c2lnbmF0dXJl")
    places = {
        "sts": role_service.url,
        "container": container_agent.url,
        "web_token": web_token,
        "entry_home": entry_home,
    }
    assert role_service.tls is not None
    ca_bundle = tmp_path / "sts-ca.pem"
    ca_bundle.write_bytes(role_service.tls.ca_pem)
    monkeypatch.setenv("AWS_CA_BUNDLE", str(ca_bundle))

    def placed(values: Mapping[str, str | None]) -> dict[str, str | None]:
        return {k: v.format(**places) if v is not None else None for k, v in values.items()}

    # Every path asks STS itself: no role credentials or tokens shared through a cache.
    set_process_env(monkeypatch, {"EKS_TOKEN_NO_CACHE": "1", **placed(case.process_env)})
    entry: dict[str, Any] = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "eks-token",
        "args": list(case.args),
    }
    if case.entry_env:
        entry["env"] = [{"name": k, "value": v} for k, v in placed(case.entry_env).items()]
    path = kube.write_kubeconfig(tmp_path / "kubeconfig", cluster.url, cluster.ca_data, entry)
    environ = dict(os.environ)

    plugin = signed_by(run_plugin(entry, environ))
    assert plugin[0] == case.expect
    if case.host is not None:
        assert plugin[1] == case.host

    found: dict[str, tuple[str, str]] = {}
    done = kubectl.run(path, "get", "pods")
    assert done.returncode == 0, (done.stderr, cluster.checks[-1])
    found["kubectl"] = last_seen(cluster)

    whoami = run_cli("whoami", "--kubeconfig", str(path))
    assert whoami.returncode == 0, whoami.stderr
    assert f"Username: {case.expect}" in whoami.stdout
    found["whoami"] = last_seen(cluster)

    can_i = run_cli("can-i", "get", "pods", "--kubeconfig", str(path))
    assert (can_i.returncode, can_i.stdout) == (0, "yes\n"), can_i.stderr
    found["can-i"] = last_seen(cluster)

    found["token_for_context"] = signed_by(token_for_context(load_context(None, str(path))))

    report = run_doctor(
        kubeconfig=str(path),
        sts_endpoint_url=sts_standin.url,
        environ=environ,
        timeout=5,
        plugin_timeout=60,
        stdin_is_terminal=False,
    )
    in_process = next(check for check in report.checks if check.name == "in-process")
    assert in_process.details.get("differences") == [], in_process.notes
    key = str(in_process.details["access_key_id"])
    host = urlsplit(str(in_process.details["sts_endpoint"])).netloc
    found["doctor"] = (_LABEL_OF_KEY.get(key, key), host)

    # The library is handed the environment; this process's own says something else.
    decoy_key, decoy_secret = IDENTITIES["decoy"]
    for variable in (*WEB_IDENTITY, *CONTAINER, "AWS_PROFILE", "AWS_ENDPOINT_URL_STS"):
        monkeypatch.delenv(variable, raising=False)
    set_process_env(
        monkeypatch, {"AWS_ACCESS_KEY_ID": decoy_key, "AWS_SECRET_ACCESS_KEY": decoy_secret}
    )
    with api_client_from_kubeconfig(kubeconfig=str(path), environ=environ) as client:
        CoreV1Api(client).list_namespaced_pod("default")
    found["api_client_from_kubeconfig"] = last_seen(cluster)

    assert found == dict.fromkeys(found, plugin)
