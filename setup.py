"""How the ``eks-token`` command is installed; everything else is in pyproject.toml.

kubectl starts the command for every request, and on a token-cache hit the command's
own work costs less than the ``import re`` at the top of the launcher pip writes for a
console-script entry point. So a wheel for POSIX ships ``scripts/eks-token``, a plain
Python script (pip points its ``#!python`` line at the environment's interpreter), and no
entry point: pip skips a script that has an entry point's name and writes its launcher
instead. A wheel built on Windows declares the entry point, for pip's ``eks-token.exe``,
and is tagged for its Windows platform, so a POSIX wheel is never installed there.
"""

from __future__ import annotations

import sys

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel

COMMAND = "eks-token"
ENTRY_POINT = f"{COMMAND} = eks_token.cli.main:main"


class WindowsWheel(bdist_wheel):
    """``py3-none-<windows platform>``: pure Python, with pip's .exe launcher."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> tuple[str, str, str]:
        return "py3", "none", super().get_tag()[2]


if sys.platform == "win32":
    setup(
        entry_points={"console_scripts": [ENTRY_POINT]},
        cmdclass={"bdist_wheel": WindowsWheel},
    )
else:
    setup(scripts=[f"scripts/{COMMAND}"])
