"""The applicants' register (KISSoS "Evidence žadatelů"): providers' waiting lists, pseudonymised.

Providers of residential services (§ 49 homes for the elderly, § 50 homes with a special regime;
§ 48 and § 51 where they keep lists) upload their applicants' list as their software exports it,
monthly; the upload replaces that home's list (:func:`geo_kissos.accounts.audit.sync`
partitioned by the provider's IČO and the service), with history, plus the free places reported
with it (the table ``applicant_list``, one record per home).

The file
--------
XLSX (first sheet) or CSV as Czech Excel saves it (``;``, cp1250; UTF-8 and ``,`` are accepted
too); header on row 1, column names in Czech, case and diacritics do not matter. Columns:

==========================  =====================================================================
column (and synonyms)       content
==========================  =====================================================================
Rodné číslo (RČ)            ``455101/1234`` or ``4551011234``; or instead both of the next two
Číslo spisu (Spisová        the provider's own case number of the applicant
značka, Evidenční číslo)
Datum narození              ``1.5.1945`` / ``1945-05-01`` (only with the case number)
Kód obce (Obec bydliště)    residence: the municipality code (6 digits) or its name
Datum podání (Datum         the date of the application
žádosti)
Naléhavost (Urgentní)       ``ano``/``ne``, ``1``/``0``, ``naléhavá``/``běžná`` (empty = ne)
Stav                        ``čeká`` (v evidenci), ``přijat`` (umístěn), ``zrušena`` (odstoupil,
                            vyřazen), ``zemřel``
Datum vyřízení (Datum       optional: when the application was closed
ukončení)
==========================  =====================================================================

Other columns (names, addresses, notes) are ignored: never read into the store.

Privacy by design
-----------------
The file is parsed in memory (no temporary file). The identifier becomes a keyed pseudonym at
once (:mod:`geo_kissos.collect.pseudonym`; no key, no upload); the raw identifier, a name or a
date of birth never reaches the store, a log or an error message (a bad birth number is
"řádek 7, sloupec 'Rodné číslo': neplatný formát", without the value). The audit log shows the
pseudonym only as ``(skryto)`` and identifies an application by a random ``entry_id``.

Retention
---------
:func:`purge_expired` deletes, for real, the applications closed (admitted, withdrawn, died)
more than ``months`` ago and the rows removed by a re-upload as long ago, and blanks the values of
their audit rows. This is the one exception to "a deletion is a recorded state": keeping a
personal record (even pseudonymised) past its purpose is what the GDPR forbids (Art. 5(1)(e),
storage limitation), so here the record must go; the audit log keeps that a purge happened, by
whom, when and how many rows, never what they were.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from ..accounts import audit
from ..accounts.roles import PROVIDER, Actor
from ..config import Config, get_config
from ..errors import InputError, PermissionDenied, Problem
from ..store.base import Store
from .pseudonym import PseudonymKey, load_key, normalise_birth_number

__all__ = [
    "TABLE", "LIST_TABLE", "RESIDENTIAL_TYPES", "STATUSES", "ParsedList", "UploadResult",
    "parse_list", "upload_list", "purge_expired", "provider_lists", "provider_summary",
    "RETENTION_ENV", "DEFAULT_RETENTION_MONTHS", "retention_months",
]

log = logging.getLogger(__name__)

TABLE = "applicant_entry"
LIST_TABLE = "applicant_list"
#: § types whose providers keep waiting lists.
RESIDENTIAL_TYPES: tuple[str, ...] = ("48", "49", "50", "51")
#: Status code -> Czech label.
STATUSES: dict[str, str] = {"waiting": "čeká", "admitted": "přijat(a)", "withdrawn": "zrušena",
                            "died": "zemřel(a)"}
RETENTION_ENV = "GEO_KISSOS_APPLICANTS_RETENTION_MONTHS"
DEFAULT_RETENTION_MONTHS: int = Config.model_fields["applicants_retention_months"].default
MAX_ROWS = 100_000


def _fold(text: Any) -> str:
    t = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[_.:()*]", " ", t.lower()).split())


#: field -> folded header names accepted (the first is the documented one).
HEADERS: dict[str, tuple[str, ...]] = {
    "birth_number": ("rodne cislo", "rc", "r c", "rodne c", "rodne cislo zadatele", "rodné číslo"),
    "case_number": ("cislo spisu", "spisova znacka", "evidencni cislo", "cislo zadosti",
                    "id zadatele", "cislo zadatele", "spis"),
    "birth_date": ("datum narozeni", "narozen", "narozena", "dat nar", "datum nar"),
    "municipality": ("kod obce", "obec bydliste", "kod obce bydliste", "obec", "bydliste",
                     "obec trvaleho pobytu", "kod obce trvaleho pobytu", "misto trvaleho pobytu"),
    "applied_on": ("datum podani", "datum zadosti", "podano", "datum podani zadosti",
                   "datum prijeti zadosti", "zadost ze dne", "datum evidence"),
    "urgent": ("nalehavost", "urgentni", "nalehava", "urgentnost", "naléhavost zadosti", "priorita"),
    "status": ("stav", "stav zadosti", "status"),
    "closed_on": ("datum vyrizeni", "datum ukonceni", "datum zmeny stavu", "vyrizeno",
                  "datum uzavreni"),
}
#: Czech column labels used in error messages (what the header documents).
LABELS: dict[str, str] = {
    "birth_number": "Rodné číslo", "case_number": "Číslo spisu", "birth_date": "Datum narození",
    "municipality": "Kód obce", "applied_on": "Datum podání", "urgent": "Naléhavost",
    "status": "Stav", "closed_on": "Datum vyřízení",
}
_STATUS_STEMS: tuple[tuple[str, str], ...] = (
    ("cek", "waiting"), ("v evid", "waiting"), ("evid", "waiting"), ("aktiv", "waiting"),
    ("wait", "waiting"), ("poradnik", "waiting"),
    ("prij", "admitted"), ("umist", "admitted"), ("nastoup", "admitted"), ("admit", "admitted"),
    ("zrus", "withdrawn"), ("staz", "withdrawn"), ("odstoup", "withdrawn"), ("vyraz", "withdrawn"),
    ("withdr", "withdrawn"), ("zamit", "withdrawn"), ("odmit", "withdrawn"),
    ("zemr", "died"), ("umrt", "died"), ("died", "died"), ("dead", "died"),
)
_YES = {"ano", "a", "1", "x", "true", "yes", "nalehava", "nalehave", "urgentni", "vysoka", "ano nalehava"}
_NO = {"", "ne", "n", "0", "false", "no", "bezna", "normalni", "standardni", "nizka", "nenalehava"}
_DMY = re.compile(r"^(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


def retention_months(environ: dict[str, str] | None = None) -> int:
    """Months a closed application is kept (``GEO_KISSOS_APPLICANTS_RETENTION_MONTHS``, default 24)."""
    return get_config(environ).applicants_retention_months


# --------------------------------------------------------------------------- reading a file
def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else str(v)
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v).strip()


def _rows_of(data: bytes, source: str) -> list[list[str]]:
    """The file's rows as text cells, read in memory (XLSX: first sheet; CSV: ; or , or tab)."""
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise InputError([Problem(source, "", "", "soubor XLSX nelze přečíst")]) from None
        try:
            ws = wb.worksheets[0]
            return [[_cell_text(c) for c in row] for row in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    text = None
    for enc in ("utf-8-sig", "cp1250"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise InputError([Problem(source, "", "", "soubor není CSV (UTF-8 ani Windows-1250) ani XLSX")])
    first = text.split("\n", 1)[0]
    delim = max((";", ",", "\t"), key=first.count)
    return [[c.strip() for c in r] for r in csv.reader(io.StringIO(text), delimiter=delim)]


def _date(text: str) -> date | None:
    t = text.strip()
    m = _DMY.match(t)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        m = _YMD.match(t)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
    return None


def _status(text: str) -> str | None:
    f = _fold(text)
    for stem, code in _STATUS_STEMS:
        if f.startswith(stem):
            return code
    return None


@dataclass(frozen=True)
class ParsedList:
    """A list read and pseudonymised: the rows to store (no identifier, name or birth date)."""

    rows: list[dict[str, Any]]
    ignored_columns: int  #: columns not used (names, notes ...), never read
    case_rows: int  #: rows identified by case number + birth date (provider-scoped)


def _columns(header: list[str], source: str) -> tuple[dict[str, int], int]:
    found: dict[str, int] = {}
    used = 0
    for i, h in enumerate(header):
        f = _fold(h)
        for field, names in HEADERS.items():
            if f in {_fold(n) for n in names} and field not in found:
                found[field] = i
                used += 1
                break
    problems = []
    if "birth_number" not in found and not {"case_number", "birth_date"} <= set(found):
        problems.append(Problem(source, "řádek 1", "Rodné číslo",
                                "chybí sloupec Rodné číslo (nebo oba sloupce Číslo spisu a Datum narození)"))
    for field in ("applied_on", "status"):
        if field not in found:
            problems.append(Problem(source, "řádek 1", LABELS[field], f"chybí sloupec {LABELS[field]}"))
    if problems:
        raise InputError(problems)
    return found, len([h for h in header if h.strip()]) - used


def _municipalities(reader: audit.Reader) -> tuple[dict[str, str], dict[str, list[str]]]:
    m = reader.read("municipality")
    orp = dict(zip(m["municipality_code"].astype(str), m["orp_code"].astype(str), strict=True))
    names: dict[str, list[str]] = {}
    for code, name in zip(m["municipality_code"].astype(str), m["name"].astype(str), strict=True):
        names.setdefault(_fold(name), []).append(code)
    return orp, names


def parse_list(data: bytes, *, source: str, ico: str, key: PseudonymKey, reader: audit.Reader,
               data_date: date) -> ParsedList:
    """Read a provider's list and pseudonymise it (in memory).

    Parameters
    ----------
    data : bytes
        The uploaded file (XLSX or CSV).
    source : str
        Its name, for messages.
    ico : str
        The provider (scopes case-number pseudonyms).
    key : PseudonymKey
        The region key.
    reader : Store or Writer
        For the region's municipalities.
    data_date : date
        The list's date (closed applications without a closing date are closed on it).

    Raises
    ------
    InputError
        Every bad row and column named (never with the identifier's value); nothing is kept.
    """
    rows = [r for r in _rows_of(data, source)]
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise InputError([Problem(source, "", "", "soubor je prázdný")])
    if len(rows) > MAX_ROWS:
        raise InputError([Problem(source, "", "", f"soubor má více než {MAX_ROWS} řádků")])
    cols, ignored = _columns(rows[0], source)
    orp_of, by_name = _municipalities(reader)
    out: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, date], int] = {}
    case_rows = 0
    for n, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        loc = f"řádek {n}"

        def get(field: str, cells: list[str] = cells) -> str:
            i = cols.get(field)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        bad = len(problems)
        pseudonym = kind = None
        rc = get("birth_number")
        if rc:
            digits = normalise_birth_number(rc)
            if digits is None:
                problems.append(Problem(source, loc, LABELS["birth_number"], "neplatný formát"))
            else:
                pseudonym, kind = key.of_birth_number(digits), "rc"
        else:
            case, birth = get("case_number"), _date(get("birth_date"))
            if not case:
                problems.append(Problem(source, loc, LABELS["birth_number"],
                                        "chybí rodné číslo (nebo číslo spisu s datem narození)"))
            elif birth is None:
                problems.append(Problem(source, loc, LABELS["birth_date"], "chybí nebo neplatné datum"))
            else:
                pseudonym, kind = key.of_case(ico, case, birth), "case"
                case_rows += 1
        applied = _date(get("applied_on"))
        if applied is None:
            problems.append(Problem(source, loc, LABELS["applied_on"],
                                    "chybí nebo neplatné datum (DD.MM.RRRR)"))
        elif applied > data_date:
            problems.append(Problem(source, loc, LABELS["applied_on"], "datum podání je v budoucnosti"))
        status = _status(get("status"))
        if status is None:
            problems.append(Problem(source, loc, LABELS["status"],
                                    f"neznámý stav {get('status')[:20]!r} (čeká, přijat, zrušena, zemřel)"))
        urgent_text = _fold(get("urgent"))
        urgent = 1 if urgent_text in _YES else 0 if urgent_text in _NO else None
        if urgent is None:
            problems.append(Problem(source, loc, LABELS["urgent"],
                                    f"naléhavost {get('urgent')[:20]!r} není ano/ne"))
        closed = None
        if get("closed_on"):
            closed = _date(get("closed_on"))
            if closed is None:
                problems.append(Problem(source, loc, LABELS["closed_on"], "neplatné datum (DD.MM.RRRR)"))
        muni = get("municipality")
        code = None
        if muni:
            if re.fullmatch(r"\d{6}", muni):
                code = muni
            else:
                codes = by_name.get(_fold(muni), [])
                if len(codes) == 1:
                    code = codes[0]
                else:
                    problems.append(Problem(
                        source, loc, LABELS["municipality"],
                        f"obec {muni[:40]!r} " + ("je v kraji víckrát" if codes else "není v datech kraje")
                        + ": uveďte kód obce (6 číslic)"))
        if len(problems) > bad or pseudonym is None or applied is None:
            continue
        dup = (pseudonym, applied)
        if dup in seen:
            problems.append(Problem(source, loc, LABELS["birth_number"] if kind == "rc" else LABELS["case_number"],
                                    f"stejná žádost (žadatel a datum podání) je už na řádku {seen[dup]}"))
            continue
        seen[dup] = n
        if status == "waiting":
            closed = None
        out.append({
            "pseudonym": pseudonym, "key_id": key.key_id, "id_kind": kind,
            "municipality_code": code, "orp_code": orp_of.get(code) if code else None,
            "applied_on": applied, "urgent": urgent, "status": status, "closed_on": closed,
        })
    if problems:
        raise InputError(problems)
    return ParsedList(out, ignored, case_rows)


# --------------------------------------------------------------------------- the write path
def _check_entry(values: dict[str, Any], reader: audit.Reader) -> list[tuple[str, str]]:
    problems = []
    if values.get("status") not in STATUSES:
        problems.append(("status", "neznámý stav"))
    if values.get("urgent") not in (0, 1):
        problems.append(("urgent", "naléhavost je 0 nebo 1"))
    if values.get("id_kind") not in ("rc", "case"):
        problems.append(("id_kind", "druh identifikátoru je rc nebo case"))
    if values.get("type_code") not in RESIDENTIAL_TYPES:
        problems.append(("type_code", "seznam žadatelů vede jen pobytová služba (§ 48–51)"))
    p = values.get("pseudonym") or ""
    if not re.fullmatch(r"[0-9a-f]{64}", p):
        problems.append(("pseudonym", "pseudonym není HMAC-SHA256 (identifikátor se neukládá)"))
    return problems


def _check_list(values: dict[str, Any], reader: audit.Reader) -> list[tuple[str, str]]:
    fp = values.get("free_places")
    if fp is not None and not 0 <= int(fp) <= 10_000:
        return [("free_places", "počet volných míst není mezi 0 a 10 000")]
    return []


ENTRIES = audit.register(audit.AuditedTable(
    TABLE,
    label="žádost v evidenci žadatelů",
    write_rule=audit.ico_scope("ico"),
    read_rule=audit.ico_scope("ico"),  # planners see aggregates only, never rows
    validate=_check_entry,
    redact=frozenset({"pseudonym"}),
))
LISTS = audit.register(audit.AuditedTable(
    LIST_TABLE,
    label="seznam žadatelů domova",
    write_rule=audit.ico_scope("ico"),
    read_rule=audit.any_of(audit.ico_scope("ico"), audit.region_scope()),
    validate=_check_list,
))


@dataclass(frozen=True)
class UploadResult:
    """What an upload did."""

    service_id: str
    rows: int
    created: int
    updated: int
    deleted: int
    case_rows: int
    ignored_columns: int
    seconds: float


def _service(store: Store, service_id: str, ico: str | None) -> tuple[str, str]:
    svc = store.read("service", {"service_id": str(service_id)})
    if svc.empty:
        raise InputError([Problem("service", "", "service_id", f"služba {service_id!r} není v registru")])
    row = svc.iloc[0]
    s_ico, tc = str(row["provider_ico"]), str(row["type_code"])
    if ico is not None and s_ico != ico:
        raise InputError([Problem("service", "", "service_id",
                                  f"služba {service_id!r} nepatří poskytovateli {ico}")])
    if tc not in RESIDENTIAL_TYPES:
        raise InputError([Problem("service", "", "service_id",
                                  f"služba {service_id!r} je § {tc}: seznam žadatelů vedou jen § 48–51")])
    return s_ico, tc


def upload_list(store: Store, actor: Actor, data: bytes, *, source: str, service_id: str,
                free_places: int | None = None, data_date: date | None = None,
                key: PseudonymKey | None = None, note: str | None = None) -> UploadResult:
    """Replace a home's list of applicants by the uploaded file, with history.

    The applications are matched to the stored ones by pseudonym, key and date of application
    (a matched application keeps its ``entry_id`` and gets a new version when its status,
    urgency or residence changed); applications no longer in the file are deleted (a recorded
    state, until :func:`purge_expired`). Then the home's list record (free places, data date)
    is written.

    Raises
    ------
    ConfigError
        No pseudonym key (nothing is read).
    PermissionDenied
        The actor is not the provider of the service.
    InputError
        A bad row or column (named, without identifying values); nothing written.
    """
    t0 = time.perf_counter()
    key = key or load_key()
    ico, type_code = _service(store, service_id, None)
    if not actor.is_system and ico not in actor.scopes(PROVIDER):
        raise PermissionDenied(f"{actor.username} may upload applicants' lists only of its own "
                               f"services (provider {ico})")
    when = data_date or date.today()
    parsed = parse_list(data, source=source, ico=ico, key=key, reader=store, data_date=when)
    stored = audit.current(store, TABLE, {"service_id": str(service_id)})
    known: dict[tuple[str, str, date], dict[str, Any]] = {}
    for rec in stored.to_dict("records"):
        known[(rec["key_id"], rec["pseudonym"], pd.Timestamp(rec["applied_on"]).date())] = rec
    rows = []
    for r in parsed.rows:
        prev = known.get((r["key_id"], r["pseudonym"], r["applied_on"]))
        closed = r["closed_on"]
        if r["status"] != "waiting" and closed is None:
            prev_closed = prev.get("closed_on") if prev else None
            closed = (pd.Timestamp(prev_closed).date() if prev_closed is not None and not pd.isna(prev_closed)
                      else when)
        rows.append({**r, "closed_on": closed, "type_code": type_code,
                     "entry_id": prev["entry_id"] if prev else audit.new_id()})
    written = audit.sync(store, actor, TABLE, {"ico": ico, "service_id": str(service_id)}, rows,
                         note=note or "nahrání seznamu žadatelů", source=source)
    audit.write(store, actor, audit.Change(LIST_TABLE, {"service_id": str(service_id)}, {
        "ico": ico, "type_code": type_code, "free_places": free_places,
        "data_date": pd.Timestamp(when), "rows": len(rows), "source": source[:200]},
        note=note, source=source))
    actions = [w.action for w in written]
    result = UploadResult(str(service_id), len(rows), actions.count("create") + actions.count("restore"),
                          actions.count("update"), actions.count("delete"), parsed.case_rows,
                          parsed.ignored_columns, time.perf_counter() - t0)
    log.info("applicants' list of service %s uploaded: %d rows (%d new, %d changed, %d removed)",
             service_id, result.rows, result.created, result.updated, result.deleted)
    return result


def purge_expired(store: Store, actor: Actor, months: int | None = None,
                  today: date | None = None) -> int:
    """Delete for real the applications closed, or removed, more than ``months`` ago.

    Their audit rows keep who/when/action but their values are blanked; one audit row records
    the purge (how many, the cut-off). Returns the number of applications deleted.
    """
    if not actor.is_system:
        raise PermissionDenied("the retention purge is an operator's command (geo-kissos applicants purge)")
    months = retention_months() if months is None else int(months)
    today = today or date.today()
    cutoff = pd.Timestamp(today) - pd.DateOffset(months=months)
    with store.transaction() as w:
        df = w.read(TABLE)
        if df.empty:
            return 0
        closed = pd.to_datetime(df["closed_on"], errors="coerce")
        changed = pd.to_datetime(df["rec_changed_at"], errors="coerce")
        gone = ((df["status"] != "waiting") & (closed < cutoff)) | (
            (df["rec_deleted"].fillna(0) == 1) & (changed < cutoff))
        ids = sorted(df.loc[gone, "entry_id"].astype(str))
        if not ids:
            return 0
        keys = [audit.record_key(TABLE, {"entry_id": i}) for i in ids]
        w.delete(TABLE, {"entry_id": ids})
        trail = w.read("audit_log", {"table_name": TABLE, "record_key": keys})
        if not trail.empty:
            trail = trail.copy()
            trail["before"] = trail["before"].where(trail["before"].isna(), '{"purged": true}')
            trail["after"] = trail["after"].where(trail["after"].isna(), '{"purged": true}')
            w.upsert("audit_log", trail)
        at = pd.Timestamp(datetime.utcnow()).floor("ms")
        w.upsert("audit_log", pd.DataFrame([{
            "audit_id": audit.new_id(), "at": at, "actor_id": actor.user_id,
            "actor_name": actor.username, "actor_roles": actor.describe(), "table_name": TABLE,
            "record_key": f'{{"purge":"{today.isoformat()}"}}', "version": 0, "action": "purge",
            "before": None, "after": f'{{"deleted": {len(ids)}, "closed_before": "{cutoff.date()}"}}',
            "note": f"retence {months} měsíců",
        }]))
    log.info("applicants' register: %d applications past retention (%d months) deleted", len(ids), months)
    return len(ids)


# --------------------------------------------------------------------------- provider's view
def provider_lists(store: Store, actor: Actor) -> pd.DataFrame:
    """The home lists the actor may read (its own for a provider, all for planners), with the
    service's name."""
    lists = audit.visible(store, actor, LIST_TABLE)
    if lists.empty:
        return lists
    svc = store.read("service")[["service_id", "name"]]
    return lists.merge(svc, on="service_id", how="left")


def provider_summary(store: Store, actor: Actor) -> pd.DataFrame:
    """Counts of the actor's own applications per home × status (never the rows themselves).

    Only the rows the read rule lets the actor read (a provider: its IČO; nobody else reads rows).
    """
    rows = audit.visible(store, actor, TABLE)
    cols = ["service_id", "status", "applications", "urgent"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    g = rows.groupby(["service_id", "status"]).agg(applications=("entry_id", "size"),
                                                   urgent=("urgent", "sum")).reset_index()
    return g[cols]
