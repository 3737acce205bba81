"""Exception classes of geo-kissos: every error the package raises on purpose is one of these.

Every error a user can provoke with bad input is one of these; the message names the
file, the row/feature and the field, so it can be fixed without reading code.

Each class knows how the web app answers it (after pygeoapi's ``error.py``):

``http_status``
    The HTTP status of the answer (500 unless a class says otherwise).
``ogc_code``
    The OGC API exception code of the JSON answer ``{"code", "description"}``
    (``InvalidParameterValue``, ``NotFound``, ``PermissionDenied``, ``Conflict``,
    ``NoApplicableCode`` for a server-side failure, as OWS Common and pygeoapi name it).
:attr:`GeoKissosError.user_message`
    What the client is told. For a 4xx it is the message itself (written for the user: it names
    the parameter, the record, the file); for a 5xx it is :data:`INTERNAL_ERROR`, because the
    message may name private paths or the store's address. The message (``str(exc)``) is the
    log detail and goes to the server log only.

==================  ======  =======================  ==========================================
class               status  OGC code                 raised by
==================  ======  =======================  ==========================================
GeoKissosError      500     NoApplicableCode         anything without a better class
ConfigError         500     NoApplicableCode         settings, paths, URLs
StoreError          500     NoApplicableCode         the store (open, migrate, write)
CRSError            500     NoApplicableCode         :mod:`geo_kissos.crs`
DownloadError       502     NoApplicableCode         :mod:`geo_kissos.download.fetch`
SourceNotFound      502     NoApplicableCode         a download source answered 4xx (internal)
FeedError           502     NoApplicableCode         :mod:`geo_kissos.download.atom`
InputError          400     InvalidParameterValue    ingest, forms (a list of :class:`Problem`)
ParamError          400     InvalidParameterValue    query parameters (:mod:`webmap.params`)
AccountError        400     InvalidParameterValue    :mod:`geo_kissos.accounts`
NotAuthenticated    401     NotAuthenticated         the partners' pages
PermissionDenied    403     PermissionDenied         :mod:`geo_kissos.accounts`
NotFound            404     NotFound                 an unknown collection, feature or level
RecordNotFound      404     NotFound                 an update of a key that is not stored
UnknownLayerError   404     NotFound                 :mod:`geo_kissos.layers`, the exports
UnknownOrpError     404     NotFound                 :mod:`geo_kissos.export`
ConflictError       409     Conflict                 a stale form; an export the data refuse
AnalysisError       409     Conflict                 :mod:`geo_kissos.analysis`
==================  ======  =======================  ==========================================

The web app answers them all with one handler (:mod:`webmap.errors`); the command line turns
them into a message and exit code 2 (:func:`geo_kissos.cli.run`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: What a client is told of a server-side failure (the details are in the server log only).
INTERNAL_ERROR = "Interní chyba / internal error; the details are in the server log"


class GeoKissosError(Exception):
    """Base class of all errors raised by geo-kissos.

    Parameters
    ----------
    *args
        The message (the log detail), as for :class:`Exception`.
    user_message : str, optional
        What a client is told instead of the default :attr:`user_message`.

    Attributes
    ----------
    http_status : int
        The answer of the web app when one reaches a request (500 unless a subclass says otherwise).
    ogc_code : str
        The OGC API exception code of that answer.
    """

    http_status: int = 500
    ogc_code: str = "NoApplicableCode"

    def __init__(self, *args: object, user_message: str | None = None):
        super().__init__(*args)
        self._user_message = user_message

    @property
    def user_message(self) -> str:
        """The text a client is shown: the message for a 4xx, :data:`INTERNAL_ERROR` for a 5xx."""
        if getattr(self, "_user_message", None):
            return str(self._user_message)
        return str(self) if self.http_status < 500 else INTERNAL_ERROR

    def details(self) -> dict[str, Any]:
        """Fields added to the JSON answer beside ``code`` and ``description`` (none here)."""
        return {}


class ConfigError(GeoKissosError):
    """The configuration (environment, paths, URLs) is unusable."""


class StoreError(GeoKissosError):
    """The store cannot be opened, migrated or written."""


class CRSError(GeoKissosError):
    """Data has no coordinate reference system, or one that cannot be used."""


# --------------------------------------------------------------------------- 4xx: the request
class PermissionDenied(GeoKissosError):
    """The actor's roles or scopes do not allow this read or write (checked on the server).

    The message names the actor, the table and the record, never a password or a session.
    """

    http_status = 403
    ogc_code = "PermissionDenied"


class NotAuthenticated(GeoKissosError):
    """A write or a page of the partners without a logged-in user."""

    http_status = 401
    ogc_code = "NotAuthenticated"


class ConflictError(GeoKissosError):
    """The request conflicts with the stored data: the record changed since the form was loaded
    (its version is not the expected one), or the data cannot give the export asked for."""

    http_status = 409
    ogc_code = "Conflict"


class NotFound(GeoKissosError):
    """An unknown collection, feature, level or page of the web app."""

    http_status = 404
    ogc_code = "NotFound"


class RecordNotFound(NotFound):
    """No such (non-deleted) record: an update or deletion of a key that is not stored."""


class UnknownLayerError(NotFound):
    """A map layer id that no file in ``layers/`` defines."""


class UnknownOrpError(NotFound):
    """An ORP name or code that is not in the store."""


class AccountError(GeoKissosError):
    """A user account cannot be created or changed as asked (duplicate name, bad role, scope)."""

    http_status = 400
    ogc_code = "InvalidParameterValue"


class ParamError(GeoKissosError):
    """A query parameter with a bad value (``param`` names it; the answer is a 400 naming it).

    Parameters
    ----------
    param : str
        The parameter's name.
    message : str
        What is wrong with its value.
    """

    http_status = 400
    ogc_code = "InvalidParameterValue"

    def __init__(self, param: str, message: str):
        super().__init__(f"parameter '{param}': {message}")
        self.param = param
        self.message = message

    def details(self) -> dict[str, Any]:
        """The parameter's name (``parameter``)."""
        return {"parameter": self.param}


class AnalysisError(GeoKissosError):
    """Inputs to an analysis are inconsistent or incomplete (missing columns, bad values).

    In a request it is a 409: the stored data cannot answer it (the message says why).
    """

    http_status = 409
    ogc_code = "Conflict"


class NetworkYearError(AnalysisError):
    """A year the network of services has no rows for, while it has rows for other years.

    Attributes
    ----------
    year : int
        The year asked for.
    years : list of int
        The years of the network in the store.
    """

    def __init__(self, year: int, years: list[int]) -> None:
        self.year = int(year)
        self.years = [int(y) for y in years]
        super().__init__(f"the network of services has no units for {self.year} (years in the "
                         f"store: {', '.join(map(str, self.years))})")


# --------------------------------------------------------------------------- downloads
class DownloadError(GeoKissosError):
    """A source could not be fetched or was refused; nothing of it was written.

    Parameters
    ----------
    source : str
        Catalogue name of the source.
    url : str
        Address fetched.
    message : str
        What went wrong.
    status : int, optional
        The HTTP status when the server answered 4xx.
    """

    http_status = 502

    def __init__(self, source: str, url: str, message: str, status: int | None = None):
        self.source, self.url, self.message, self.status = source, url, message, status
        super().__init__(f"{source} ({url}): {message}")


class SourceNotFound(GeoKissosError):
    """A download source answered 4xx: not retried (deliberately not a ``requests`` exception);
    :func:`geo_kissos.download.fetch.fetch` turns it into a :class:`DownloadError`."""

    http_status = 502

    def __init__(self, status: int, reason: str):
        self.status, self.reason = status, reason
        super().__init__(f"HTTP {status} {reason}")


class FeedError(GeoKissosError, ValueError):
    """The document is no Atom feed, or no entry links a ZIP or a dataset feed."""

    http_status = 502


# --------------------------------------------------------------------------- bad input as data
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
    ogc_code = "InvalidParameterValue"

    def details(self) -> dict[str, Any]:
        """Every problem (``problems``: source, location, field, message)."""
        return {"problems": [{"source": p.source, "location": p.location, "field": p.field, "message": p.message}
                             for p in self.problems]}

    def report(self) -> str:
        """Return every problem, one per line."""
        return "\n".join(str(p) for p in self.problems)
