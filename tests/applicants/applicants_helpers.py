"""Helpers of the applicants' tests (files as providers' software exports them)."""

from __future__ import annotations

OTHER_ICO = "00000027"
PG_BIN_DIR = "/usr/lib/postgresql/15/bin"
TEST_KEY = "test-only-pseudonym-key-0123456789abcdef"
HEADER = ["Jméno a příjmení", "Rodné číslo", "Kód obce", "Datum podání", "Naléhavost", "Stav"]


def csv_bytes(rows: list[list[str]], header: list[str] | None = None, enc: str = "cp1250") -> bytes:
    """A list as Czech Excel saves it: ``;``, cp1250, CRLF."""
    lines = [";".join(header or HEADER)] + [";".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(enc)
