"""Exception classes of geo-kissos.

Every error a user can provoke with bad input is one of these; the message names the
file, the row/feature and the field, so it can be fixed without reading code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class GeoKissosError(Exception):
    """Base class of all errors raised by geo-kissos.

    ``http_status`` is the answer of the web app when one reaches a request (500 unless a
    subclass says otherwise).
    """

    http_status: int = 500


class ConfigError(GeoKissosError):
    """The configuration (environment, paths, URLs) is unusable."""


class StoreError(GeoKissosError):
    """The store cannot be opened, migrated or written."""


class PermissionDenied(GeoKissosError):
    """The actor's roles or scopes do not allow this read or write (checked on the server).

    The message names the actor, the table and the record, never a password or a session.
    """

    http_status = 403


class NotAuthenticated(GeoKissosError):
    """A write or a page of the partners without a logged-in user."""

    http_status = 401


class ConflictError(GeoKissosError):
    """The record changed since the form was loaded (its version is not the expected one)."""

    http_status = 409


class RecordNotFound(GeoKissosError):
    """No such (non-deleted) record: an update or deletion of a key that is not stored."""

    http_status = 404


class AccountError(GeoKissosError):
    """A user account cannot be created or changed as asked (duplicate name, bad role, scope)."""

    http_status = 400


class CRSError(GeoKissosError):
    """Data has no coordinate reference system, or one that cannot be used."""


class UnknownLayerError(GeoKissosError):
    """A map layer id that no file in ``layers/`` defines."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input.

    Attributes
    ----------
    source : str
        File name (or other source) the problem was found in.
    location : str
        Row number, feature id or item index, e.g. ``"row 12"`` or ``"feature KOD=500496"``.
    field : str
        Field (column) concerned, ``""`` when the problem is not about one field.
    message : str
        What is wrong, in words a data steward understands.
    """

    source: str
    location: str
    field: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(p for p in (self.source, self.location) if p)
        field = f", field '{self.field}'" if self.field else ""
        return f"{where}{field}: {self.message}"


class InputError(GeoKissosError):
    """An input file (or a submitted form) is invalid; nothing was written.

    Parameters
    ----------
    problems : iterable of Problem
        The problems found (at least one).
    """

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one problem")
        first = str(self.problems[0])
        more = len(self.problems) - 1
        msg = first if not more else f"{first} (and {more} more problem{'s' if more > 1 else ''})"
        super().__init__(msg)

    http_status = 400

    def report(self) -> str:
        """Return every problem, one per line."""
        return "\n".join(str(p) for p in self.problems)
