import sys

try:
    from eks_token.cli.main import main
except ImportError as exc:
    # As in scripts/eks-token: another project's eks_token package installed over ours.
    sys.exit(
        f"error: eks-token cannot start ({exc}); if 'pip show eks-token' finds the "
        "unrelated PyPI package eks-token, run 'pip uninstall eks-token eks-iam-token' "
        "and install eks-iam-token again"
    )

sys.exit(main())
