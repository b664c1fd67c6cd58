"""The mistakes a newcomer makes first, each answered by one line naming the cause and the fix:
the other exec-plugin command's flags, a mistyped region, a profile without credentials, a
broken AWS file, a kubeconfig that is not there, a token inside a wrapper, another project's
eks_token package installed over ours."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import eks_token
from tests.support.aws_env import AwsEnv
from tests.support.cli import assert_clean_failure, run_cli
from tests.support.sts_standin import StsStandin

# --- token takes aws-iam-authenticator's flags, get-token those of aws eks get-token ---------


@pytest.mark.parametrize(
    ("args", "fix"),
    [
        (("token", "--cluster-name", "x"), "write -i x instead of --cluster-name"),
        (("get-token", "-i", "x"), "write --cluster-name x instead of -i"),
        (("get-token", "--cluster-name", "x", "-r", "arn"), "write --role-arn arn instead of -r"),
        (
            ("token", "my-cluster"),
            "the cluster is given with a flag: eks-token token -i my-cluster",
        ),
        (
            ("get-token", "my-cluster"),
            "the cluster is given with a flag: eks-token get-token --cluster-name my-cluster",
        ),
        (("get-token", "--cluster-name", "x", "-e", "id"), "-e is a flag of 'eks-token token'"),
        (("token", "-i", "x", "--query", "kind"), "--query is a flag of 'eks-token get-token'"),
        (("get-token", "--name", "x"), "the cluster is named with --cluster-name here"),
        (("token", "--name", "x"), "the cluster is named with -i here: write -i x"),
        (
            ("get-token", "--cluster-name", "x", "--token-only"),
            "write --query status.token --output text instead of --token-only",
        ),
    ],
)
def test_the_other_commands_flags_are_named(
    aws_env: AwsEnv, args: tuple[str, ...], fix: str
) -> None:
    assert_clean_failure(run_cli(*args), status=2, mentions=("unrecognized arguments", fix))


@pytest.mark.parametrize(
    "args",
    [
        ("eks", "get-token", "--cluster-name", "c"),
        ("--region", "us-west-2", "eks", "get-token", "--cluster-name", "c"),
    ],
)
def test_eks_get_token_is_taken_as_typed_after_aws(aws_env: AwsEnv, args: tuple[str, ...]) -> None:
    result = run_cli(*args, "--query", "kind", "--output", "text", "--no-cache")
    assert (result.returncode, result.stdout, result.stderr) == (0, "ExecCredential\n", "")


def test_other_aws_eks_commands_say_what_to_type(aws_env: AwsEnv) -> None:
    result = run_cli("eks", "update-kubeconfig", "--name", "c")
    assert_clean_failure(result, status=2, mentions="eks-token kubeconfig --name CLUSTER")
    result = run_cli("eks", "describe-cluster", "--name", "c")
    assert_clean_failure(result, status=2, mentions=("'eks describe-cluster'", "eks-token --help"))


def test_a_mistyped_command_names_the_nearest(aws_env: AwsEnv) -> None:
    assert_clean_failure(
        run_cli("tokne", "-i", "x"),
        status=2,
        mentions="unknown command 'tokne' (did you mean 'token'?)",
    )


def test_an_account_id_that_is_not_12_digits_is_named(aws_env: AwsEnv) -> None:
    result = run_cli("token", "-i", "x", "--role", "arn:aws:iam::1:role/r")
    assert_clean_failure(result, status=1, mentions="(the account id must be 12 digits)")


# --- regions ---------------------------------------------------------------------------------


def test_a_mistyped_region_signs_with_a_warning_naming_the_closest(aws_env: AwsEnv) -> None:
    result = run_cli("token", "-i", "c", "--region", "eu-wset-1", "--token-only", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("k8s-aws-v1.")
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("warning: region 'eu-wset-1' is not a region of partition aws")
    assert "did you mean eu-west-1?" in result.stderr


@pytest.mark.parametrize("region", ["eu-west-1", "us-gov-west-1", "cn-north-1", "aws-global"])
def test_a_known_region_signs_silently(aws_env: AwsEnv, region: str) -> None:
    result = run_cli("token", "-i", "c", "--region", region, "--token-only", "--no-cache")
    assert (result.returncode, result.stderr) == (0, "")


def test_a_bad_region_in_a_profile_says_it_came_from_the_profile(aws_env: AwsEnv) -> None:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text("[profile dev]\nregion = us-west2\n")
    aws_env.credentials_file.write_text(
        f"[dev]\naws_access_key_id = {aws_env.access_key_id}\n"
        f"aws_secret_access_key = {aws_env.secret_access_key}\n"
    )
    result = run_cli("token", "-i", "c", "--profile", "dev", extra_env={"AWS_REGION": ""})
    assert_clean_failure(
        result,
        status=1,
        mentions=("'us-west2'", "did you mean us-west-2?", "region setting of profile 'dev'"),
    )


def test_a_bad_region_in_the_environment_names_the_variable(aws_env: AwsEnv) -> None:
    result = run_cli("token", "-i", "c", extra_env={"AWS_REGION": "us-west2"})
    assert_clean_failure(result, status=1, mentions=("'us-west2'", "(from AWS_REGION)"))


def test_kubeconfig_for_a_mistyped_region_names_the_closest(aws_env: AwsEnv) -> None:
    import socket

    with socket.socket() as closed:  # a port nothing listens on: the call cannot connect
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    result = run_cli(
        "kubeconfig",
        "--name",
        "prod",
        "--region",
        "eu-wset-1",
        extra_env={"AWS_ENDPOINT_URL_EKS": url, "AWS_MAX_ATTEMPTS": "1"},
    )
    assert_clean_failure(
        result,
        status=1,
        mentions="(eks-token knows no region 'eu-wset-1'; did you mean eu-west-1?)",
    )


# --- profiles and AWS files -------------------------------------------------------------------


def test_a_profile_without_credentials_says_so(aws_env: AwsEnv) -> None:
    aws_env.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.config_file.write_text("[profile empty]\nregion = us-west-2\n")
    env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    for args in (("--profile", "empty"), ()):
        extra = env if args else {**env, "AWS_PROFILE": "empty"}
        result = run_cli("token", "-i", "c", *args, extra_env=extra)
        assert_clean_failure(
            result,
            status=1,
            mentions=("AWS profile 'empty' has no credentials", "aws_access_key_id", "sso"),
        )
        assert "pass --profile" not in result.stderr


def test_a_credentials_file_that_is_not_ini_names_the_file_and_line(aws_env: AwsEnv) -> None:
    aws_env.credentials_file.parent.mkdir(parents=True, exist_ok=True)
    aws_env.credentials_file.write_text(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\nthis line is wrong\n"
    )
    result = run_cli(
        "token", "-i", "c", extra_env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    )
    assert_clean_failure(
        result, status=1, mentions=(str(aws_env.credentials_file), "line 3", "fix the file")
    )


# --- kubeconfig and aws-auth files ------------------------------------------------------------


@pytest.mark.parametrize("command", [("whoami",), ("doctor",)])
def test_a_kubeconfig_variable_naming_no_file_names_the_paths(
    aws_env: AwsEnv, tmp_path: Path, command: tuple[str, ...]
) -> None:
    first, second = tmp_path / "nope", tmp_path / "nope2"
    result = run_cli(*command, extra_env={"KUBECONFIG": f"{first}{os.pathsep}{second}"})
    assert result.returncode == 1
    text = result.stderr if command == ("whoami",) else result.stdout
    assert f"no kubeconfig file found (looked for {first}, {second}" in text
    assert "Traceback" not in result.stderr


def test_migrate_with_nothing_to_do_names_what_it_read(aws_env: AwsEnv, tmp_path: Path) -> None:
    config = tmp_path / "kc"
    config.write_text("apiVersion: v1\nkind: Config\n")
    missing = tmp_path / "missing"
    result = run_cli("kubeconfig", "migrate", extra_env={"KUBECONFIG": f"{missing}:{config}"})
    assert (result.returncode, result.stdout) == (0, f"nothing to migrate in {config}\n")
    result = run_cli("kubeconfig", "migrate", extra_env={"KUBECONFIG": str(missing)})
    assert result.returncode == 0
    assert result.stdout == (
        f"nothing to migrate: no kubeconfig file found ({missing}: no such file)\n"
    )


def test_map_with_a_missing_aws_auth_file_says_how_to_save_it(aws_env: AwsEnv) -> None:
    result = run_cli(
        "map", "--aws-auth", "nosuch.yaml", "--arn", "arn:aws:iam::111122223333:user/x"
    )
    assert_clean_failure(
        result, status=1, mentions=("cannot read nosuch.yaml: no such file", "kubectl get cm")
    )


# --- tokens in wrappers, and things that are not tokens ---------------------------------------


def _token() -> str:
    result = run_cli("token", "-i", "my-cluster", "--token-only", "--no-cache")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _wrapped(token: str) -> dict[str, str]:
    credential = run_cli("token", "-i", "my-cluster", "--no-cache").stdout
    assert json.loads(credential)["kind"] == "ExecCredential"
    return {
        "bearer": f"Bearer {token}",
        "header": f"Authorization: Bearer {token}",
        "exec credential": credential,
    }


def test_decode_takes_the_token_out_of_its_wrappers(aws_env: AwsEnv) -> None:
    token = _token()
    plain = json.loads(run_cli("decode", token).stdout)
    for name, wrapped in _wrapped(token).items():
        result = run_cli("decode", wrapped)
        assert result.returncode == 0, (name, result.stderr)
        report = json.loads(result.stdout)
        assert report["valid"] is True
        assert report["access_key_id"] == plain["access_key_id"]


def test_verify_takes_the_token_out_of_its_wrappers(aws_env: AwsEnv) -> None:
    token = _token()
    with StsStandin() as standin:
        for name, wrapped in _wrapped(token).items():
            result = run_cli(
                "verify", "-i", "my-cluster", "--sts-endpoint-url", standin.url, wrapped
            )
            assert result.returncode == 0, (name, result.stderr)
            assert json.loads(result.stdout)["canonical_arn"].endswith(":user/alice")


SERVICE_ACCOUNT_JWT = ".".join(
    base64.urlsafe_b64encode(part).decode().rstrip("=")
    for part in (
        b'{"alg":"RS256","kid":"abc"}',
        b'{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:default:x"}',
        b"signature",
    )
)


@pytest.mark.parametrize(
    ("given", "named"),
    [
        (SERVICE_ACCOUNT_JWT, "a JSON Web Token"),
        ('{"kind": "Secret", "data": {}}', "a Secret object without status.token"),
        ("{not json", "is not JSON"),
        ("https://sts.amazonaws.com/?Action=GetCallerIdentity", "a presigned STS URL"),
    ],
)
@pytest.mark.parametrize("command", ["decode", "verify"])
def test_what_is_not_a_token_is_named(
    aws_env: AwsEnv, command: str, given: str, named: str
) -> None:
    extra = ["-i", "my-cluster"] if command == "verify" else []
    result = run_cli(command, *extra, given)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert named in lines[0]
    assert "unexpected" not in lines[0]


# --- another project's eks_token package installed over ours ---------------------------------


def _site_with_a_clashing_package(site: Path) -> None:
    """Our package as pip leaves it after another distribution that ships ``eks_token``
    (PyPI's unrelated eks-token) is installed over it: its ``__init__`` replaces ours."""
    shutil.copytree(
        Path(eks_token.__file__).parent, site / "eks_token", ignore=shutil.ignore_patterns("*.pyc")
    )
    (site / "eks_token" / "__init__.py").write_text("from .logics import get_token\n")
    (site / "eks_token" / "logics.py").write_text("def get_token(name):\n    return {}\n")
    info = site / "eks_token-0.3.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: eks_token\nVersion: 0.3.0\n")
    (info / "top_level.txt").write_text("eks_token\n")
    (info / "RECORD").write_text(
        "eks_token/__init__.py,,\neks_token/logics.py,,\neks_token-0.3.0.dist-info/RECORD,,\n"
    )


@pytest.mark.parametrize("args", [("version",), ("--version",), ("decode", "x")])
def test_a_clashing_eks_token_package_says_what_to_uninstall(
    aws_env: AwsEnv, tmp_path: Path, args: tuple[str, ...]
) -> None:
    site = tmp_path / "site"
    _site_with_a_clashing_package(site)
    result = subprocess.run(
        [sys.executable, "-m", "eks_token", *args],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if args[0] == "decode":
        # a command that never needs the package's own names still works
        assert "the token breaks" in result.stderr
        return
    assert_clean_failure(
        result, status=1, mentions=("eks-token 0.3.0", "pip uninstall eks-token eks-iam-token")
    )


def test_a_usage_error_never_echoes_a_token(aws_env: AwsEnv) -> None:
    token = _token()
    result = run_cli("decode", token, token)
    assert_clean_failure(
        result,
        status=2,
        mentions=("unrecognized arguments", "give one token"),
        secrets=(token[11:],),
    )


def test_a_token_cut_short_says_how_it_breaks(aws_env: AwsEnv) -> None:
    result = run_cli("decode", _token()[:60] + "=")
    assert result.returncode == 1
    assert result.stderr == (
        "error: the token breaks: base64: token body is not unpadded URL-safe base64\n"
    )


def test_a_clashing_package_that_breaks_the_import_itself_is_named(
    aws_env: AwsEnv, tmp_path: Path
) -> None:
    """When the other package's __init__ cannot even be imported (its own dependencies are
    missing), none of our code can run: the command still says what to uninstall. (Python
    imports the package before ``python -m eks_token`` runs any of ours: that stays
    Python's own message.)"""
    site = tmp_path / "site"
    _site_with_a_clashing_package(site)
    (site / "eks_token" / "logics.py").write_text("import a_dependency_that_is_not_installed\n")
    script = Path(__file__).resolve().parents[1] / "scripts" / "eks-token"
    result = subprocess.run(
        [sys.executable, str(script), "version"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert_clean_failure(
        result, status=1, mentions=("cannot start", "pip uninstall eks-token eks-iam-token")
    )
