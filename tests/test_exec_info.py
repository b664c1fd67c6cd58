from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eks_token import errors
from eks_token.cli._fast import parse_request
from eks_token.core.token import API_V1, API_V1ALPHA1, API_V1BETA1
from eks_token.exec_plugin.exec_info import ExecInfo, parse_json, read_exec_info
from eks_token.exec_plugin.request import TokenRequest, resolve_token_request


def _info(payload: object) -> dict[str, str]:
    return {"KUBERNETES_EXEC_INFO": json.dumps(payload)}


def test_missing_and_blank_mean_v1beta1_silently() -> None:
    for env in ({}, {"KUBERNETES_EXEC_INFO": "  "}):
        info = read_exec_info(env)
        assert (info.api_version, info.warning, info.cluster) == (API_V1BETA1, None, None)


def test_v1_with_interactive_and_cluster() -> None:
    info = read_exec_info(
        _info(
            {
                "apiVersion": API_V1,
                "spec": {
                    "interactive": True,
                    "cluster": {
                        "server": "https://k8s.example:6443",
                        "certificate-authority-data": "Q0E=",
                        "tls-server-name": "k8s.internal",
                        "proxy-url": "http://proxy:3128",
                        "config": {"cluster-id": " prod ", "region": "eu-west-1"},
                    },
                },
            }
        )
    )
    assert info.api_version == API_V1
    assert info.interactive is True
    assert info.warning is None
    cluster = info.cluster
    assert cluster is not None
    assert cluster.server == "https://k8s.example:6443"
    assert cluster.certificate_authority_data == "Q0E="
    assert cluster.tls_server_name == "k8s.internal"
    assert cluster.proxy_url == "http://proxy:3128"
    assert (cluster.cluster_id(), cluster.region()) == ("prod", "eu-west-1")


def test_cluster_name_is_accepted_as_the_cluster_id_key() -> None:
    info = read_exec_info(
        _info({"apiVersion": API_V1, "spec": {"cluster": {"config": {"cluster-name": "dev"}}}})
    )
    assert info.cluster is not None
    assert info.cluster.cluster_id() == "dev"
    assert info.cluster.region() is None


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (None, "no cluster id"),
        ({}, "no cluster-id"),
        ({"cluster-id": ""}, "no cluster-id"),
        ({"cluster-id": 7}, "no cluster-id"),
        (["prod"], "must be a mapping"),
    ],
)
def test_bad_extensions_name_the_fix(config: object, message: str) -> None:
    cluster: dict[str, object] = {"server": "https://x"}
    if config is not None:
        cluster["config"] = config
    info = read_exec_info(_info({"apiVersion": API_V1, "spec": {"cluster": cluster}}))
    assert info.cluster is not None
    with pytest.raises(errors.ExecInfoError, match=message):
        info.cluster.cluster_id()


def test_region_must_be_a_string() -> None:
    info = read_exec_info(
        _info(
            {
                "apiVersion": API_V1,
                "spec": {"cluster": {"config": {"cluster-id": "a", "region": 1}}},
            }
        )
    )
    assert info.cluster is not None
    with pytest.raises(errors.ExecInfoError, match="region"):
        info.cluster.region()


@pytest.mark.parametrize(
    ("raw", "version", "warning"),
    [
        (json.dumps({"apiVersion": API_V1ALPHA1}), API_V1ALPHA1, "deprecated"),
        (json.dumps({"apiVersion": "v2"}), API_V1BETA1, "unknown apiVersion 'v2'"),
        (json.dumps({"spec": {}}), API_V1BETA1, "unknown apiVersion None"),
        ("[]", API_V1BETA1, "not a JSON object"),
        ("null", API_V1BETA1, "not a JSON object"),
        ("{", API_V1BETA1, "not valid JSON"),
    ],
)
def test_fallbacks_carry_one_warning(raw: str, version: str, warning: str) -> None:
    info = read_exec_info({"KUBERNETES_EXEC_INFO": raw})
    assert info.api_version == version
    assert info.warning is not None
    assert warning in info.warning
    assert "\n" not in info.warning


def test_the_api_versions_are_the_token_modules() -> None:
    from eks_token.exec_plugin import exec_info

    assert (exec_info.API_V1, exec_info.API_V1BETA1, exec_info.API_V1ALPHA1) == (
        API_V1,
        API_V1BETA1,
        API_V1ALPHA1,
    )


# --- the start-up path and the full command read the variable alike ----------------------

ARGVS: tuple[list[str], ...] = (
    [],
    ["-i", "c1"],
    ["--region", "eu-west-3"],
    ["-i", "c1", "--region=eu-west-3"],
)
TEXTS = st.text(max_size=12) | st.sampled_from(
    ["", " prod ", "é-ü", "\u2028", "\U0001f600", "a\\b"]
)
CONFIGS = (
    st.none()
    | st.integers()
    | st.lists(TEXTS, max_size=2)
    | st.fixed_dictionaries(
        {},
        optional={
            "cluster-id": TEXTS | st.integers() | st.none(),
            "cluster-name": TEXTS | st.none(),
            "region": TEXTS | st.integers() | st.none(),
        },
    )
)
CLUSTERS = (
    st.none()
    | st.text(max_size=3)
    | st.fixed_dictionaries(
        {"server": st.just("https://k8s.example")}, optional={"config": CONFIGS}
    )
)
SPECS = (
    st.none()
    | st.lists(st.integers(), max_size=1)
    | st.fixed_dictionaries(
        {}, optional={"interactive": st.booleans() | st.none(), "cluster": CLUSTERS}
    )
)
DOCUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.just("ExecCredential"),
        "apiVersion": st.sampled_from([API_V1, API_V1BETA1, API_V1ALPHA1, "v2", ""])
        | st.none()
        | st.integers(),
        "spec": SPECS,
    },
)


def _raw(document: object, ascii_only: bool, indent: int | None) -> str:
    return json.dumps(document, ensure_ascii=ascii_only, indent=indent)


RAWS = (
    st.builds(_raw, DOCUMENTS, st.booleans(), st.sampled_from([None, 0, 2]))
    | st.builds(
        _raw, st.lists(st.integers(), max_size=2) | st.text(max_size=5), st.booleans(), st.none()
    )
    | st.text(max_size=40)
    | st.sampled_from(
        [
            "{",
            "NaN",
            '{"apiVersion": "client.authentication.k8s.io/v1"} trailing',
            '{"apiVersion": "client.authentication.k8s.io/v1", "x": NaN}',
            '{"apiVersion": "client.authentication.k8s.io/v1", "x": "\\ud83d\\ude00"}',
            '{"apiVersion": "client.authentication.k8s.io/v1", "x": "\\ud83d"}',
            '{"apiVersion": "client.authentication.k8s.io\\/v1"}',
            '{"apiVersion": "client.authentication.k8s.io/v1\\u0000"}',
            '\ufeff{"apiVersion": "client.authentication.k8s.io/v1"}',
            '{"apiVersion": "client.authentication.k8s.io/v1", "apiVersion": "v2"}',
            "[" * 5000,
        ]
    )
)


def _full(raw: str, argv: list[str]) -> tuple[ExecInfo, TokenRequest | None]:
    """What ``eks-token token ARGV`` reads: its warning, apiVersion and resolved request."""
    environ = {"KUBERNETES_EXEC_INFO": raw}
    info = read_exec_info(environ)
    cluster_id = argv[argv.index("-i") + 1] if "-i" in argv else None
    region = "eu-west-3" if any(arg.startswith("--region") for arg in argv) else None
    try:
        request = resolve_token_request(
            "token", environ=environ, exec_info=info, cluster_id=cluster_id, region=region
        )
    except errors.InvalidInputError:
        request = None
    return info, request


def _assert_alike(raw: str) -> None:
    for argv in ARGVS:
        info, request = _full(raw, argv)
        fast = parse_request("token", argv, {"KUBERNETES_EXEC_INFO": raw})
        answers_silently = info.warning is None and request is not None
        assert (fast is not None) == answers_silently, (raw, argv, info.warning)
        if fast is None or request is None:
            continue
        assert fast.api_version == info.api_version
        assert fast.request == request


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(RAWS)
def test_the_start_up_path_and_the_full_command_agree(raw: str) -> None:
    _assert_alike(raw)


@settings(max_examples=300)
@given(RAWS)
def test_the_reader_gives_jsons_values(raw: str) -> None:
    try:
        expected: object = json.loads(raw)
    except (ValueError, RecursionError):
        with pytest.raises(ValueError, match=r"."):
            parse_json(raw)
        return
    assert json.dumps(parse_json(raw), sort_keys=True) == json.dumps(expected, sort_keys=True)


@pytest.mark.parametrize(
    ("raw", "version", "cluster"),
    [
        (json.dumps({"apiVersion": API_V1}), API_V1, None),
        (
            # ASCII written as escapes is read as its characters.
            '{"apiVersion": "client.authentication.k8s.io/v1beta1", "spec": {"cluster": '
            '{"config": {"cluster-id": "pr\\u006fd", "region": "us-east-\\u0031"}}}}',
            API_V1BETA1,
            ("prod", "us-east-1"),
        ),
        (
            # A cluster id that is not ASCII is refused by both paths alike.
            json.dumps(
                {
                    "apiVersion": API_V1BETA1,
                    "spec": {"cluster": {"config": {"cluster-id": "prød", "region": "us-east-1"}}},
                },
                ensure_ascii=True,
            ),
            API_V1BETA1,
            "refused",
        ),
        (
            # An astral character as a surrogate pair: the lean reader leaves it to json.
            json.dumps(
                {
                    "apiVersion": API_V1,
                    "spec": {"cluster": {"config": {"cluster-id": "c1", "x": "c\U0001f600"}}},
                }
            ),
            API_V1,
            ("c1", None),
        ),
    ],
)
def test_the_start_up_path_serves_what_the_full_command_answers(
    raw: str, version: str, cluster: tuple[str, str | None] | str | None
) -> None:
    _assert_alike(raw)
    fast = parse_request("token", [] if cluster else ["-i", "c1"], {"KUBERNETES_EXEC_INFO": raw})
    if cluster == "refused":
        assert fast is None
        return
    assert fast is not None
    assert fast.api_version == version
    if cluster is not None:
        assert (fast.request.cluster_id, fast.request.options.region) == cluster


@pytest.mark.parametrize(
    ("raw", "interactive"),
    [
        (None, None),
        ("{", None),
        ('{"apiVersion": "client.authentication.k8s.io/v1", "spec": {}}', None),
        ('{"apiVersion": "client.authentication.k8s.io/v1", "spec": {"interactive": 0}}', None),
        ('{"apiVersion": "v1", "spec": {"interactive": false}}', False),
        (json.dumps({"apiVersion": API_V1, "spec": {"interactive": False}}), False),
        ('{"apiVersion": "client.authentication.k8s.io/v1", "spec": {"interactive": true}}', True),
    ],
)
def test_interactive_is_what_kubectl_said_or_none(
    raw: str | None, interactive: bool | None
) -> None:
    # The MFA prompter refuses to ask exactly when this says False (one reader for both).
    from eks_token.aws.mfa import _kubectl_says_not_interactive

    environ = {} if raw is None else {"KUBERNETES_EXEC_INFO": raw}
    assert read_exec_info(environ).interactive is interactive
    assert _kubectl_says_not_interactive(environ) is (interactive is False)
