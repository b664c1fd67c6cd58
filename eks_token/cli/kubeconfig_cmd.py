"""``eks-token kubeconfig``: write EKS entries (update-kubeconfig) or migrate old ones."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from eks_token.cli._common import exit_status_help, guarded, new_parser, parse, warn

__all__ = ["run"]

DESCRIPTION = """\
Write a kubeconfig cluster, user and context for an EKS cluster, whose user
runs `eks-token token`, as `aws eks update-kubeconfig` does for
`aws eks get-token`. The cluster comes from EKS DescribeCluster (ACTIVE or
UPDATING only). Entries of the same name are replaced in place, others are
appended, everything else in the file is kept, and current-context is set.

The file: --kubeconfig; else with --split ~/.kube/config.d/<cluster>; else
the first file in KUBECONFIG that already has the cluster, else its first
file, else ~/.kube/config. Each write holds kubectl's <file>.lock, changes
only the bytes of these entries and current-context, and replaces the file
atomically, keeping its mode and owner; new files get mode 0600 and new
directories 0700.

`eks-token kubeconfig migrate` moves users that run heptio-authenticator-aws,
aws-iam-authenticator or `aws eks get-token` onto eks-token.

The user runs `eks-token` by name (--command-path name, the default): kubectl
finds it on PATH, so the file keeps working when eks-token is upgraded,
reinstalled or its virtualenv recreated, and can be shared between machines.
When eks-token is not on the current PATH (say, installed into a virtualenv
that is not activated) a warning says so; --command-path absolute writes the
absolute path of the running eks-token instead."""

EPILOG = """\
examples:
  eks-token kubeconfig --name prod --region eu-west-1
  eks-token kubeconfig --name prod --role-arn arn:aws:iam::111122223333:role/admin --alias prod
  eks-token kubeconfig --name prod --shared-user --split
  eks-token kubeconfig --name prod --dry-run
  eks-token kubeconfig migrate --dry-run

""" + exit_status_help("the entries were written (or, with --dry-run, printed)")

MIGRATE_DESCRIPTION = """\
Rewrite every kubeconfig user whose exec entry runs heptio-authenticator-aws,
aws-iam-authenticator (token -i/-r/--region/-e/-s/--forward-session-name) or
`aws eks get-token` (--cluster-name/--cluster-id/--role-arn/--region, global
--region/--profile) to run the equivalent eks-token command. Cluster id, role,
region, profile and env are kept; apiVersion v1alpha1 (rejected by kubectl
1.24+) becomes v1beta1. Users with arguments eks-token does not understand are
left as they are, with a warning. Reads --kubeconfig, else every file in
KUBECONFIG, else ~/.kube/config. Changing only `command:` is not enough for a
v1alpha1 entry (kubectl refuses the apiVersion): migrate changes both.
--command-path absolute also rewrites entries that run eks-token by name to
run the absolute path of this eks-token."""


def run(argv: Sequence[str]) -> int:
    if argv and argv[0] == "migrate":
        return run_migrate(argv[1:])
    return run_update(argv)


def run_update(argv: Sequence[str]) -> int:
    parser = new_parser("eks-token kubeconfig", DESCRIPTION, EPILOG)
    parser.add_argument("--name", required=True, help="EKS cluster name")
    parser.add_argument("--region", help="AWS region of the cluster (default: botocore's)")
    parser.add_argument("--profile", help="AWS profile; written to the user's env as AWS_PROFILE")
    parser.add_argument("--role-arn", help="IAM role the user assumes for its tokens (-r)")
    parser.add_argument("--alias", help="context name (default: the cluster ARN)")
    parser.add_argument("--user-alias", help="user name (default: the cluster ARN)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--kubeconfig", help="the file to write")
    where.add_argument(
        "--split", action="store_true", help="write ~/.kube/config.d/<cluster> instead"
    )
    parser.add_argument(
        "--shared-user",
        action="store_true",
        help="one user for all clusters: the cluster id and region go in the cluster's "
        "client.authentication.k8s.io/exec extension (provideClusterInfo)",
    )
    parser.add_argument(
        "--proxy-url", help="proxy for kubectl to reach the cluster (the cluster's proxy-url)"
    )
    parser.add_argument(
        "--assume-role-arn",
        help="IAM role assumed only to call DescribeCluster (not written into the kubeconfig)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the file, write nothing")
    _add_command_path(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="explain on stderr")
    args = parse(parser, argv)

    def action() -> int:
        from eks_token.kubeconfig.entries import exec_command
        from eks_token.kubeconfig.update import update_kubeconfig

        command = exec_command(args.command_path)
        result = update_kubeconfig(
            args.name,
            region=args.region,
            profile=args.profile,
            role_arn=args.role_arn,
            alias=args.alias,
            user_alias=args.user_alias,
            shared_user=args.shared_user,
            kubeconfig=args.kubeconfig,
            split=args.split,
            dry_run=args.dry_run,
            command=command,
            proxy_url=args.proxy_url,
            assume_role_arn=args.assume_role_arn,
            on_wait=lambda lock: _note(f"waiting for {lock} (another kubectl or eks-token)"),
        )
        for message in result.warnings:
            warn(message)
        _warn_if_not_on_path(command)
        if args.verbose:
            cluster = result.cluster
            _note(
                f"cluster {cluster.name} ({cluster.status}) in {cluster.region}: "
                f"{cluster.endpoint}, token cluster id {cluster.cluster_id}"
            )
            for change in result.changes:
                _note(f"{change} in {result.path}")
        if args.dry_run:
            sys.stdout.write(result.text)
            return 0
        added = any(c == f"added context {result.entries.context_name}" for c in result.changes)
        verb = "Added new context" if added else "Updated context"
        preposition = "to" if added else "in"
        print(f"{verb} {result.entries.context_name} {preposition} {result.path}")
        return 0

    return guarded(action, verbose=args.verbose)


def run_migrate(argv: Sequence[str]) -> int:
    epilog = exit_status_help("migrated, or nothing to migrate")
    parser = new_parser("eks-token kubeconfig migrate", MIGRATE_DESCRIPTION, epilog)
    parser.add_argument("--kubeconfig", help="the file to migrate")
    parser.add_argument("--dry-run", action="store_true", help="report the changes, write nothing")
    _add_command_path(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="explain on stderr")
    args = parse(parser, argv)
    return guarded(lambda: _migrate(args), verbose=args.verbose)


def _add_command_path(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--command-path",
        choices=("name", "absolute"),
        default="name",
        help="what the user runs: 'name' writes eks-token, found on PATH by kubectl (default: "
        "survives upgrades and moves); 'absolute' writes the path of this eks-token",
    )


def _warn_if_not_on_path(command: str) -> None:
    """Warn when kubectl, with this PATH, would not find the entry's command."""
    from eks_token.kubeconfig.entries import not_on_path_warning

    message = not_on_path_warning(command)
    if message:
        warn(message)


def _migrate(args: argparse.Namespace) -> int:
    from eks_token.kubeconfig.entries import exec_command
    from eks_token.kubeconfig.files import kubeconfig_paths
    from eks_token.kubeconfig.migrate import FileMigration, migrate_files

    def report(outcome: FileMigration) -> None:
        if not outcome.exists and args.verbose:
            _note(f"{outcome.path} does not exist; skipped")
        for message in outcome.warnings:
            warn(f"{outcome.path}: {message}")
        for change in outcome.changes:
            print(f"{outcome.path}: {change.describe()}")

    command = exec_command(args.command_path)
    done = migrate_files(
        kubeconfig_paths(args.kubeconfig),
        command=command,
        dry_run=args.dry_run,
        must_exist=bool(args.kubeconfig),
        on_file=report,
    )
    total = sum(len(outcome.changes) for outcome in done)
    if total:
        _warn_if_not_on_path(command)
    if total == 0:
        read = [str(outcome.path) for outcome in done if outcome.exists]
        if read:
            print(f"nothing to migrate in {', '.join(read)}")
        else:
            missing = ", ".join(str(outcome.path) for outcome in done)
            print(f"nothing to migrate: no kubeconfig file found ({missing}: no such file)")
    elif args.dry_run:
        print(f"dry run: {total} user(s) would change; nothing written")
    else:
        print(f"migrated {total} user(s)")
    return 0


def _note(message: str) -> None:
    print(f"eks-token: {message}", file=sys.stderr)
