"""Keyed pseudonyms of applicants: the raw identifier never reaches the store.

An applicant's identifier (the birth number, or a provider's case number plus the date of
birth) is turned, in memory and at once, into ``HMAC-SHA256(region key, identifier)``. The region
key is kept outside the store: the environment variable ``GEO_KISSOS_PSEUDONYM_KEY`` (at least 32
characters) or a file named by ``GEO_KISSOS_PSEUDONYM_KEY_FILE`` (its bytes, at least 32). Without
a key no upload runs (:class:`~geo_kissos.errors.ConfigError`).

Only the key holder can link a pseudonym to a person, and only by trying identifiers: keep the
key with the region's IT (not in the store's backups, not in the repository).

What is hashed
--------------
Birth number (``rc``)
    Normalised first: spaces and the slash removed (``455101/1234`` and ``4551011234`` are the
    same person), checked (9 digits before 1954, 10 digits divisible by 11 otherwise, a valid
    date with the women's +50 and the +20 months) and hashed as ``"rc:" + digits``: the same
    person hashes the same in every home, so the region counts them once.
Case number + date of birth (``case``)
    For software that exports no birth number: ``"case:" + IČO + ":" + case number + ":" +
    ISO date of birth``. Case numbers are each provider's own, so such applicants can be
    de-duplicated only within one provider, never across homes (the aggregates say how many
    rows were of this kind).

Key id and rotation
-------------------
Each pseudonym is stored with the key's id (``key_id``: the first 12 hex digits of
``HMAC(key, "geo-kissos key id")``, which reveals nothing of the key). Pseudonyms of different
keys are never de-duplicated together. A ``rotate-key`` command that re-keys stored pseudonyms is
impossible by design (it would need the raw identifiers, which are never stored). Rotating the key
therefore means: set the new key, and every provider re-uploads its list (their next monthly
upload does it); until all have, the aggregates count the applicants of each key separately
(possibly twice — :func:`geo_kissos.analysis.applicants.aggregate` reports the key ids in use).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

from ..config import get_config
from ..errors import ConfigError

__all__ = ["ENV_KEY", "ENV_KEY_FILE", "MIN_KEY_BYTES", "PseudonymKey", "load_key",
           "normalise_birth_number", "birth_date_of"]

ENV_KEY = "GEO_KISSOS_PSEUDONYM_KEY"
ENV_KEY_FILE = "GEO_KISSOS_PSEUDONYM_KEY_FILE"
MIN_KEY_BYTES = 32
_RC = re.compile(r"^(\d{6})/?(\d{3,4})$")


class PseudonymKey:
    """The region's pseudonymisation key (never printed: its ``repr`` shows the key id only)."""

    __slots__ = ("_key", "key_id")

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ConfigError(f"the pseudonym key must have at least {MIN_KEY_BYTES} bytes "
                              f"(got {len(key)}); generate one with: python -c "
                              "'import secrets; print(secrets.token_urlsafe(48))'")
        self._key = key
        self.key_id = hmac.new(key, b"geo-kissos key id", hashlib.sha256).hexdigest()[:12]

    def __repr__(self) -> str:
        return f"PseudonymKey(key_id={self.key_id!r})"

    def _hash(self, text: str) -> str:
        return hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def of_birth_number(self, digits: str) -> str:
        """Pseudonym of a normalised birth number (:func:`normalise_birth_number`)."""
        return self._hash("rc:" + digits)

    def of_case(self, ico: str, case_number: str, birth: date) -> str:
        """Pseudonym of a provider's case number with the date of birth (provider-scoped)."""
        return self._hash(f"case:{ico}:{case_number.strip().upper()}:{birth.isoformat()}")


def load_key(environ: dict[str, str] | None = None) -> PseudonymKey:
    """The key from ``GEO_KISSOS_PSEUDONYM_KEY`` or the file ``GEO_KISSOS_PSEUDONYM_KEY_FILE``.

    Raises
    ------
    ConfigError
        Neither is set, the file cannot be read, or the key is shorter than 32 bytes.
    """
    env = get_config(environ)
    if env.pseudonym_key is not None:
        return PseudonymKey(env.pseudonym_key.get_secret_value().encode("utf-8"))
    if env.pseudonym_key_file is not None:
        path = env.pseudonym_key_file
        try:
            raw = path.read_bytes().strip()
        except OSError as exc:
            raise ConfigError(f"cannot read the pseudonym key file {path}: {exc.strerror}") from None
        return PseudonymKey(raw)
    raise ConfigError(
        f"no pseudonym key: set {ENV_KEY} (at least {MIN_KEY_BYTES} characters) or "
        f"{ENV_KEY_FILE} (a file readable only by the service) before uploading applicants' lists; "
        "applicants' identifiers are never stored without it"
    )


def birth_date_of(digits: str) -> date | None:
    """The date of birth a normalised birth number encodes (None when it is not valid)."""
    if len(digits) not in (9, 10) or not digits.isdigit():
        return None
    yy, mm, dd = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    if len(digits) == 9:
        if yy >= 54:
            return None
        year = 1900 + yy
    else:
        n = int(digits)
        if n % 11 != 0 and not (int(digits[:9]) % 11 == 10 and digits[9] == "0"):
            return None
        year = 1900 + yy if yy >= 54 else 2000 + yy
    if mm > 50:
        mm -= 50
    if mm > 20:
        if year < 2004:
            return None
        mm -= 20
    try:
        born = date(year, mm, dd)
    except ValueError:
        return None
    return born if born <= date.today() else None


def normalise_birth_number(value: str) -> str | None:
    """``"455101/1234"``, ``"4551011234"``, ``" 455101 / 1234 "`` -> ``"4551011234"``; None if invalid.

    Valid: 6 digits, optional slash, 3 digits (born before 1954) or 4 digits (the whole number
    divisible by 11, or remainder 10 with last digit 0) and a real date of birth.
    """
    text = "".join(str(value).split())
    if text.endswith(".0"):  # a number cell of a spreadsheet
        text = text[:-2]
    if text.isdigit() and len(text) in (8, 9):
        # a spreadsheet's number cell drops leading zeros (born 2000–2009): try them back
        padded = text.zfill(10)
        if len(text) == 8 or birth_date_of(text) is None:
            return padded if birth_date_of(padded) is not None else None
    m = _RC.match(text)
    if not m:
        return None
    digits = m[1] + m[2]
    return digits if birth_date_of(digits) is not None else None
