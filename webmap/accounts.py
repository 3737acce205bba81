"""Partners' pages: login, "moje data", the municipality notes and the audit history of a record.

The public map and the API stay open without login; everything under ``/ucet`` except the login
page needs a logged-in user, and every write goes through :func:`geo_kissos.accounts.audit.write`,
which checks role and scope on the server (a hidden button is never the check).

Security
--------
- Sessions: Flask-Login over Flask's signed session cookie (``HttpOnly``, ``SameSite=Lax``,
  ``Secure`` unless ``COOKIE_SECURE=False``/``GEO_KISSOS_COOKIE_SECURE=0`` for
  ``http://localhost`` development). The session id is ``<user_id>.<session_nonce>``: disabling a
  user or setting its password renews the nonce and ends every session. Login clears the session
  first (renewal: nothing of the anonymous session, its CSRF token included, survives).
- CSRF: Flask-WTF's ``CSRFProtect`` on every POST/PUT/PATCH/DELETE of the whole app (forms send
  the ``csrf_token`` field, scripts the ``X-CSRFToken`` header).
- Failed logins are throttled with Flask-Limiter (in-memory storage, per process):
  ``LOGIN_LIMITS`` per client address and ``LOGIN_USER_LIMITS`` per user name count failed
  attempts only; over the limit the login answers 429 whatever the password.
- Nothing logs or shows a password or the session cookie.

Configuration (``create_app(config)`` keys, else the environment)
------------------------------------------------------------------
``SECRET_KEY`` (``GEO_KISSOS_SECRET_KEY``)
    Signs the session. Without it a random key is made per process (a warning is logged):
    sessions then end at restart and do not work across several server processes.
``COOKIE_SECURE`` (``GEO_KISSOS_COOKIE_SECURE``, default on; sets Flask's ``SESSION_COOKIE_SECURE``)
``SESSION_HOURS`` (``GEO_KISSOS_SESSION_HOURS``, default 8)
``LOGIN_LIMITS`` (default ``"5 per minute;20 per hour"``), ``LOGIN_USER_LIMITS`` (``"10 per hour"``)
``OIDC_ISSUER``, ``OIDC_CLIENT_ID``, ``OIDC_CLIENT_SECRET`` (``GEO_KISSOS_OIDC_*``)
    The seam for the region's identity provider, not wired yet: with Authlib
    (``authlib.integrations.flask_client.OAuth``) register the provider from
    ``OIDC_ISSUER + "/.well-known/openid-configuration"``, add ``/ucet/oidc`` (redirect to
    ``authorize_redirect``) and ``/ucet/oidc/callback`` (``authorize_access_token`` verifies the
    ID token), then ``users.actor_for_oidc(store, token["userinfo"]["sub"])`` gives the account
    (created by an admin with ``geo-kissos users add NAME --oidc-subject SUB``) and
    :func:`_start_session` logs it in exactly as the password login does. Roles and scopes stay
    in geo-kissos, whatever the identity provider says.

For module authors
------------------
``current_actor()`` is the :class:`~geo_kissos.accounts.roles.Actor` of the request (raises
:class:`~geo_kissos.errors.NotAuthenticated` when nobody is logged in); ``role_required(*roles)``
guards a view; a :class:`~geo_kissos.errors.GeoKissosError` raised in a view of this blueprint
becomes a Czech page with its ``http_status``. Register a module's own blueprint the same way and
call :func:`error_page` from its error handler.
"""

from __future__ import annotations

import functools
import json
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import flask
import pandas as pd
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from pydantic import SecretStr
from wtforms import HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from geo_kissos.accounts import audit, notes, users
from geo_kissos.accounts.roles import ADMIN, ORP_COORDINATOR, PROVIDER, REGION_PLANNER, ROLES, Actor
from geo_kissos.config import get_config
from geo_kissos.errors import GeoKissosError, InputError, NotAuthenticated, PermissionDenied, Problem
from geo_kissos.store import Store
from geo_kissos.text import czech_order

log = logging.getLogger(__name__)
bp = Blueprint("accounts", __name__, url_prefix="/ucet", template_folder="templates")
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[],
                  headers_enabled=False)
PRAGUE = ZoneInfo("Europe/Prague")
ACTIONS_CS = {"create": "vytvořeno", "update": "změněno", "delete": "smazáno", "restore": "obnoveno"}


def _init_limiter(app: Flask) -> None:
    """Flask-Limiter on this blueprint's requests only (the login throttle; no other route has a
    limit): its hooks, app-wide by design, would otherwise run on every request of the map and
    its API (~70 µs of a request's ~200 µs of framework work, measured)."""
    hooks = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    had = [len(h.get(None, [])) for h in hooks]
    limiter.init_app(app)
    for (funcs, n), passthrough in zip(zip(hooks, had, strict=True), (False, True, False), strict=True):
        funcs[None][n:] = [_for_this_blueprint(f, passthrough) for f in funcs[None][n:]]


def _for_this_blueprint(hook: Callable[..., Any], passthrough: bool) -> Callable[..., Any]:
    """``hook`` run only on requests of :data:`bp`; elsewhere it does nothing (``passthrough``:
    returns its argument, as an ``after_request`` hook gives back the response)."""
    @functools.wraps(hook)
    def scoped(*args: Any) -> Any:
        if request.blueprint == bp.name:
            return hook(*args)
        return args[0] if passthrough else None
    return scoped


class _Sessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, not opened for the API's reads: they use no session (the API
    is public and the same for everyone), so a panning map's requests cost no signature check and
    never set a cookie."""

    def open_session(self, app: Flask, request: flask.Request) -> SecureCookieSession | None:
        if request.method in ("GET", "HEAD") and request.path.startswith("/api/"):
            return None  # Flask's null session: reading it gives nothing, writing it fails
        return super().open_session(app, request)


# --------------------------------------------------------------------------- session user
class SessionUser(UserMixin):
    """The logged-in user as Flask-Login sees it."""

    def __init__(self, user: users.User):
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.user_id}.{self.user.session_nonce}"

    @property
    def is_active(self) -> bool:
        return self.user.active


def store() -> Store:
    """The app's store."""
    return current_app.extensions["geo_kissos"].store


def current_actor() -> Actor:
    """The actor of this request; NotAuthenticated when nobody is logged in."""
    if not current_user.is_authenticated:
        raise NotAuthenticated("přihlaste se")
    return current_user.user.actor()


def role_required(*roles: str) -> Callable:
    """Decorator: the view needs a logged-in user holding one of ``roles`` (any role if none)."""

    def deco(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            actor = current_actor()
            if roles and not any(actor.has(r) for r in roles):
                raise PermissionDenied(f"{actor.username} ({actor.describe()}) needs one of {', '.join(roles)}")
            return view(*args, **kwargs)

        return wrapped

    return deco


def _unauthorized() -> Response:
    if request.method == "GET":
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    raise NotAuthenticated("přihlaste se")  # a 401 page from the app's error handler (webmap.errors)


def _load(session_id: str) -> SessionUser | None:
    user = users.user_for_session(store(), session_id)
    return None if user is None else SessionUser(user)


def _safe_next(target: str | None) -> str:
    """Only a path of this site (no scheme, host or ``//``) is followed after login."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("accounts.overview")


def _start_session(user: users.User) -> None:
    """Log ``user`` in on a new session (the old one, CSRF token included, is dropped)."""
    session.clear()
    login_user(SessionUser(user))
    session.permanent = True


# --------------------------------------------------------------------------- errors
_MESSAGES = {
    400: "Požadavek nelze zpracovat.",
    401: "Pro tuto stránku se přihlaste.",
    403: "K tomuto záznamu nemáte oprávnění.",
    404: "Záznam neexistuje.",
    409: "Záznam mezitím změnil někdo jiný. Načtěte ho znovu a změnu opakujte.",
    429: "Příliš mnoho neúspěšných pokusů o přihlášení. Zkuste to znovu později.",
}


def error_page(exc: GeoKissosError | int, detail: str | None = None) -> Response:
    """A Czech error page for ``exc`` with its HTTP status (the message is the user's, not the log's).

    The app's error handler (:mod:`webmap.errors`) renders it for every error of the partners'
    pages, and logs the error; this function does not log.
    """
    status = exc if isinstance(exc, int) else exc.http_status
    if isinstance(exc, InputError):
        detail = exc.report()
    body = render_template("accounts/error.html", status=status,
                           message=_MESSAGES.get(status, "Chyba."), detail=detail)
    return Response(body, status=status, mimetype="text/html")


def _csrf_error(exc: CSRFError) -> Response:
    log.info("CSRF refused on %s %s: %s", request.method, request.path, exc.description)
    return error_page(400, "Formulář vypršel nebo nepochází z této stránky (chybí ověřovací token). "
                           "Načtěte stránku znovu.")


def _too_many(exc: Exception) -> Response:
    return error_page(429)


# --------------------------------------------------------------------------- forms
class LoginForm(FlaskForm):
    username = StringField("Uživatelské jméno", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Heslo", validators=[DataRequired(), Length(max=1024)])


class PostForm(FlaskForm):
    """A form of one button (logout, delete): the CSRF token only."""


class NoteForm(FlaskForm):
    municipality_code = SelectField("Obec", validators=[DataRequired()], validate_choice=False)
    topic = SelectField("Téma", choices=[SelectChoice(k, v) for k, v in notes.TOPICS.items()], validate_choice=False)
    text = TextAreaField("Poznámka", validators=[DataRequired(), Length(max=notes.MAX_NOTE)])
    version = HiddenField()


# --------------------------------------------------------------------------- login
def _failed_login() -> bool:
    """Flask-Limiter's ``deduct_when``: only a failed login counts against the limits."""
    return bool(getattr(request, "_gk_login_failed", False))


def _login_user_key() -> str:
    return "user:" + (request.form.get("username", "") or "").strip().lower()[:64]


def _known_name(name: str) -> str:
    """The user name for the log only when it is an account's: a password typed into the name field
    is never logged."""
    try:
        user = users.get_user(store(), name)
    except GeoKissosError:
        user = None
    return f"user {user.username!r}" if user is not None else "an unknown user name"


@bp.route("/prihlaseni", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMITS"], methods=["POST"], deduct_when=lambda r: _failed_login())
@limiter.limit(lambda: current_app.config["LOGIN_USER_LIMITS"], methods=["POST"], key_func=_login_user_key,
               deduct_when=lambda r: _failed_login())
def login() -> Any:
    """Login with a local account (public)."""
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = users.authenticate(store(), form.username.data or "", form.password.data or "")
        if user is not None:
            _start_session(user)
            log.info("login: %s", user.username)
            return redirect(_safe_next(request.args.get("next")))
        request._gk_login_failed = True  # type: ignore[attr-defined]
        who = _known_name(form.username.data or "")
        log.info("login failed for %s from %s", who, request.remote_addr)
        if not who.startswith("user "):
            form.username.data = ""  # not an account's name: maybe a password, not shown back
        failed = True
    elif request.method == "POST":
        request._gk_login_failed = True  # type: ignore[attr-defined]
        failed = True
    form.password.data = ""
    body = render_template("accounts/login.html", form=form, failed=failed, next=request.args.get("next", ""))
    return Response(body, status=401 if failed else 200, mimetype="text/html")


@bp.post("/odhlaseni")
@role_required()
def logout() -> Any:
    """End the session."""
    name = current_user.user.username
    logout_user()
    session.clear()
    log.info("logout: %s", name)
    flash("Byli jste odhlášeni.")
    return redirect(url_for("accounts.login"))


# --------------------------------------------------------------------------- moje data
def _orp_names(s: Store) -> dict[str, str]:
    orp = s.read("orp")
    return dict(zip(orp["orp_code"], orp["name"], strict=True))


def _municipalities(s: Store, orps: set[str] | None) -> list[SelectChoice]:
    m = s.read("municipality")
    if orps is not None:
        m = m.loc[m["orp_code"].isin(sorted(orps))]
    m = m.sort_values(["orp_name", "name"], key=czech_order)
    rows = zip(m["municipality_code"], m["name"], m["orp_name"], strict=True)
    return [SelectChoice(c, f"{n} ({o})") for c, n, o in rows]


def _local(ts: Any) -> str:
    if ts is None or pd.isna(ts):
        return ""
    return pd.Timestamp(ts).tz_localize("UTC").tz_convert(PRAGUE).strftime("%d. %m. %Y %H:%M")


@bp.get("/")
@role_required()
def overview() -> str:
    """'Moje data': what the user may see and write, per role."""
    actor = current_actor()
    s = store()
    orps = _orp_names(s)
    sections = []
    for role in ROLES:
        if not actor.has(role):
            continue
        scopes = sorted(actor.scopes(role))
        if role == ORP_COORDINATOR:
            where = [f"ORP {c} {orps.get(c, '(není v datech)')}" for c in scopes]
        elif role == PROVIDER:
            prov = s.read("provider", {"ico": scopes})
            names = dict(zip(prov["ico"], prov["name"], strict=True))
            where = [f"IČO {c} {names.get(c, '')}".strip() for c in scopes]
        else:
            where = ["celý kraj"]
        sections.append({"role": role, "label": ROLES[role], "where": where})
    mine = audit.visible(s, actor, notes.TABLE) if (actor.has(ORP_COORDINATOR) or actor.has(REGION_PLANNER)) \
        else None
    changes = s.read("audit_log", {"actor_id": actor.user_id}).sort_values("at", ascending=False).head(20)
    return render_template(
        "accounts/overview.html", actor=actor, sections=sections,
        note_count=None if mine is None else len(mine),
        changes=[{**r, "at_local": _local(r["at"]), "action_cs": ACTIONS_CS.get(r["action"], r["action"])}
                 for r in changes.to_dict("records")],
        is_admin=actor.has(ADMIN), logout=PostForm(),
    )


# --------------------------------------------------------------------------- notes
def _note_form(actor: Actor, s: Store, form: NoteForm | None = None) -> NoteForm:
    form = form or NoteForm()
    orps = set(actor.scopes(ORP_COORDINATOR))
    form.municipality_code.choices = _municipalities(s, orps)
    return form


@bp.get("/poznamky")
@role_required(ORP_COORDINATOR, REGION_PLANNER)
def notes_list() -> str:
    """The notes the user may read; the coordinator's form to add one."""
    actor = current_actor()
    s = store()
    df = audit.visible(s, actor, notes.TABLE)
    mun = s.read("municipality")
    names = dict(zip(mun["municipality_code"], mun["name"], strict=True))
    orps = _orp_names(s)
    rows = []
    for r in df.sort_values(["orp_code", "municipality_code", "rec_changed_at"]).to_dict("records"):
        rows.append({**r, "municipality": names.get(r["municipality_code"], r["municipality_code"]),
                     "orp": orps.get(r["orp_code"], r["orp_code"]),
                     "topic_cs": notes.TOPICS.get(r["topic"], r["topic"]),
                     "changed": _local(r["rec_changed_at"]),
                     "editable": audit.can_write(actor, notes.TABLE, r, s)})
    form = _note_form(actor, s) if actor.has(ORP_COORDINATOR) else None
    return render_template("accounts/notes.html", rows=rows, form=form, logout=PostForm())


def _note_values(form: NoteForm) -> dict[str, Any]:
    return {"municipality_code": form.municipality_code.data, "topic": form.topic.data, "text": form.text.data}


@bp.post("/poznamky")
@role_required()
def note_create() -> Any:
    """Create a note (the write path checks that its municipality is in the user's ORP)."""
    actor, s = current_actor(), store()
    form = _note_form(actor, s, NoteForm())
    if not form.validate():
        raise InputError([Problem("formulář", "poznámka", f, "; ".join(e)) for f, e in form.errors.items()])
    audit.write(s, actor, audit.Change(notes.TABLE, {"note_id": audit.new_id()}, _note_values(form),
                                       expected_version=0, source="formulář"))
    flash("Poznámka uložena.")
    return redirect(url_for("accounts.notes_list"))


def _readable_note(note_id: str) -> dict[str, Any]:
    actor, s = current_actor(), store()
    rec = audit.get(s, notes.TABLE, {"note_id": note_id})
    if rec is None:
        abort(404)
    if not audit.can_read(actor, notes.TABLE, rec, s):
        raise PermissionDenied(f"{actor.username} may not read note {note_id}")
    return rec


@bp.get("/poznamky/<note_id>")
@role_required()
def note_edit(note_id: str) -> str:
    """A note: its edit form (if the user may write it) and a link to its history."""
    actor, s = current_actor(), store()
    rec = _readable_note(note_id)
    editable = audit.can_write(actor, notes.TABLE, rec, s)
    form = _note_form(actor, s, NoteForm(data={**rec, "version": rec["rec_version"]})) if editable else None
    return render_template("accounts/note.html", rec=rec, form=form, delete=PostForm(), logout=PostForm(),
                           topic_cs=notes.TOPICS.get(rec["topic"], rec["topic"]),
                           history_key=audit.record_key(notes.TABLE, {"note_id": note_id}))


@bp.post("/poznamky/<note_id>")
@role_required()
def note_update(note_id: str) -> Any:
    """Save an edited note (version checked: a concurrent edit is a 409, not a lost change)."""
    actor, s = current_actor(), store()
    form = _note_form(actor, s, NoteForm())
    if not form.validate():
        raise InputError([Problem("formulář", "poznámka", f, "; ".join(e)) for f, e in form.errors.items()])
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    audit.write(s, actor, audit.Change(notes.TABLE, {"note_id": note_id}, _note_values(form),
                                       expected_version=version, source="formulář"))
    flash("Poznámka uložena.")
    return redirect(url_for("accounts.note_edit", note_id=note_id))


@bp.post("/poznamky/<note_id>/smazat")
@role_required()
def note_delete(note_id: str) -> Any:
    """Delete a note (a recorded state: its history stays)."""
    actor, s = current_actor(), store()
    audit.write(s, actor, audit.Change.delete(notes.TABLE, {"note_id": note_id}, source="formulář"))
    flash("Poznámka smazána (v historii zůstává).")
    return redirect(url_for("accounts.notes_list"))


# --------------------------------------------------------------------------- history
@bp.get("/historie/<table>")
@role_required()
def history(table: str) -> str:
    """Every version of one record (``?klic=`` the canonical key JSON), for those who may read it."""
    actor, s = current_actor(), store()
    try:
        t = audit.audited(table)
    except GeoKissosError:
        abort(404)
    raw = request.args.get("klic", "")
    try:
        key = json.loads(raw)
        k = audit.record_key(table, key)
    except (ValueError, KeyError, TypeError):
        abort(404)
    rec = audit.get(s, table, key, deleted=True)
    if rec is None:
        abort(404)
    if not audit.can_read(actor, table, rec, s):
        raise PermissionDenied(f"{actor.username} may not read the history of {table} {k}")
    rows = []
    for h in reversed(audit.history(s, table, k)):
        cols = sorted(set((h["before"] or {}) | (h["after"] or {})))
        diff = [{"col": c, "before": (h["before"] or {}).get(c), "after": (h["after"] or {}).get(c)} for c in cols
                if (h["before"] or {}).get(c) != (h["after"] or {}).get(c)]
        rows.append({**h, "at_local": _local(h["at"]), "action_cs": ACTIONS_CS.get(h["action"], h["action"]),
                     "diff": diff})
    return render_template("accounts/history.html", table=t, key=k, rows=rows, logout=PostForm(),
                           deleted=bool(rec["rec_deleted"]))


@bp.get("/uzivatele")
@role_required(ADMIN)
def user_list() -> str:
    """The accounts and their roles (admins; changes are made with ``geo-kissos users``)."""
    return render_template("accounts/users.html", users=users.list_users(store()), roles=ROLES, logout=PostForm())


# --------------------------------------------------------------------------- setup
def init_accounts(app: Flask) -> None:
    """Sessions, CSRF on every form, login throttling and the ``/ucet`` pages, on ``app``."""
    cfg = app.config
    if not cfg.get("SECRET_KEY"):
        env = get_config().secret_key
        if not env:
            log.warning("GEO_KISSOS_SECRET_KEY is not set: a random key is used, sessions end at restart "
                        "and do not work across several server processes")
        cfg["SECRET_KEY"] = env.get_secret_value() if env else secrets.token_hex(32)
    secure = cfg.get("COOKIE_SECURE", get_config().cookie_secure)
    secure = secure if isinstance(secure, bool) else str(secure).strip().lower() not in ("0", "false", "no", "")
    hours = float(cfg.get("SESSION_HOURS", get_config().session_hours))
    cfg.update(
        SESSION_COOKIE_SECURE=secure, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="gk_session" if cfg.get("SESSION_COOKIE_NAME") in (None, "session")
        else cfg["SESSION_COOKIE_NAME"],
        REMEMBER_COOKIE_SECURE=secure, REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=hours),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        WTF_CSRF_SSL_STRICT=secure,
    )
    cfg.setdefault("LOGIN_LIMITS", "5 per minute;20 per hour")
    cfg.setdefault("LOGIN_USER_LIMITS", "10 per hour")
    cfg.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    for key in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"):
        value = getattr(get_config(), key.lower())
        cfg.setdefault(key, value.get_secret_value() if isinstance(value, SecretStr) else value)
    app.session_interface = _Sessions()
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load)
    login_manager.unauthorized_handler(_unauthorized)
    csrf.init_app(app)
    _init_limiter(app)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(429, _too_many)
    app.register_blueprint(bp)
    app.jinja_env.globals.setdefault("ROLES", ROLES)
