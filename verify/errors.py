"""Errors a user can cause. The CLI turns these into one line and exit status 2, never a traceback."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from the user: a file, an option, a model the tool does not support (exit 2)."""


class NotReachedError(Exception):
    """The requested ε cannot be certified with the chosen options (exit 1)."""
