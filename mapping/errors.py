"""Errors a user can act on, carrying a message key the UI translates.

Services raise ``UserError`` (or a subclass) with a key from ``mapping.i18n``
and the values to fill in; pages and the CLI turn it into text in the user's
language. Nothing is written when one is raised: the caller's transaction
rolls back.
"""

from __future__ import annotations

from typing import Any


class SetupError(Exception):
    """The app cannot start its work: a setting, the data folder or the database server.

    The English text is for the log and the administrator; ``key`` and
    ``params`` name the same message in the catalogues, so the command line
    says it in the user's language. A ``reason`` that is an exception is
    shown as ``mapping.i18n.reasons.known`` names it.
    """

    def __init__(self, text: str, key: str | None = None, **params: Any) -> None:
        """Remember the English text and, if given, the message key and its values."""
        super().__init__(text)
        self.key = key
        self.params = params


class UserError(Exception):
    """Something the user can fix: a bad value, a missing right, a stale form."""

    def __init__(self, key: str, **params: Any) -> None:
        """Remember the message key and its values."""
        super().__init__(key)
        self.key = key
        self.params = params

    def __str__(self) -> str:
        """The message in the default language (for logs and the CLI)."""
        from mapping import i18n

        return i18n.t(self.key, "en", **self.params)


class ValidationError(UserError):
    """One or more fields are not acceptable; ``fields`` maps field → message key."""

    def __init__(self, fields: dict[str, str], **params: Any) -> None:
        """Keep every failing field so a form can mark each one."""
        super().__init__("error.validation", **params)
        self.fields = fields


class PermissionDenied(UserError):
    """The signed-in user may not do this (role, team or visibility)."""


class ConflictError(UserError):
    """Someone else changed the record since the form was opened.

    ``changes`` maps each field the other person changed to (what this user
    saw, what is stored now), so the page can show what happened.
    """

    def __init__(self, changes: dict[str, tuple[Any, Any]], changed_by: str | None) -> None:
        """Keep the other person's changes to show them."""
        super().__init__("error.conflict", who=changed_by or "?")
        self.changes = changes
        self.changed_by = changed_by


class NotFound(UserError):
    """The record does not exist (or is not visible to this user)."""
