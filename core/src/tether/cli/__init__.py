"""The ``tether`` command line.

The top-level group is built at run time: every command, the built-in ones included, comes
through the ``register_commands`` hook (see :mod:`tether.cli.builtin`). Plugin authors will
find shared options and helpers in :mod:`tether.cli.options`.
"""

from __future__ import annotations

from tether.cli.app import build_cli, main

__all__ = ["build_cli", "main"]
