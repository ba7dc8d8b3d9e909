"""Poynt's OAuth surface: the /token grants and the merchant consent page."""

import json
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, jsonify, redirect, request

from .errors import PoyntError
from .state import current
from .store import now_iso
from .tokens import JWT_BEARER_GRANT

bp = Blueprint("sandbox_auth", __name__)


def _form(*names: str) -> str:
    """The first of ``names`` present in the form; Poynt mixes two spellings."""
    for name in names:
        if request.form.get(name):
            return request.form[name]
    return ""


def _missing(field: str) -> PoyntError:
    return PoyntError(400, "INVALID_REQUEST", f"{field} is required")


def _bearer() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _token_answer(access_token: str, ttl: int, refresh_token: str):
    return jsonify(
        {
            "accessToken": access_token,
            "refreshToken": refresh_token,
            "expiresIn": ttl,
            "scope": "ALL",
            "tokenType": "BEARER",
        }
    )


@bp.post("/token")
def token():
    """Issue an access token for one of the three Poynt grants."""
    grant = _form("grantType", "grant_type")
    if not grant:
        raise _missing("grantType")
    if grant == JWT_BEARER_GRANT:
        return _application_grant()
    if grant == "authorization_code":
        return _code_grant()
    if grant.upper() == "REFRESH_TOKEN":
        return _refresh_grant()
    raise PoyntError(400, "INVALID_REQUEST", f"Unsupported grant {grant}")


def _application_grant():
    assertion = _form("assertion")
    if not assertion:
        raise _missing("assertion")
    tokens = current().tokens
    with tokens.store.tx() as conn:
        claims = tokens.verify_assertion(conn, assertion)
        access, ttl = tokens.issue_access_token(conn, claims["iss"], None)
        refresh = tokens.issue_refresh_token(conn, claims["iss"], None)
    return _token_answer(access, ttl, refresh)


def _code_grant():
    code = _form("code")
    client_id = _form("client_id", "clientId")
    redirect_uri = _form("redirect_uri", "redirectUri")
    for field, value in (("code", code), ("client_id", client_id)):
        if not value:
            raise _missing(field)
    assertion = _bearer()
    if not assertion:
        raise PoyntError(401, "INVALID_ACCESS_TOKEN", "A self-signed JWT is required")

    tokens = current().tokens
    with tokens.store.tx() as conn:
        tokens.verify_assertion(conn, assertion, expected_issuer=client_id)
        business_id = tokens.spend_code(conn, code, client_id, redirect_uri)
        access, ttl = tokens.issue_access_token(conn, client_id, business_id)
        refresh = tokens.issue_refresh_token(conn, client_id, business_id)
    return _token_answer(access, ttl, refresh)


def _refresh_grant():
    refresh_token = _form("refreshToken", "refresh_token")
    if not refresh_token:
        raise _missing("refreshToken")

    tokens = current().tokens
    with tokens.store.tx() as conn:
        issuer = ""
        if _bearer():
            issuer = tokens.verify_assertion(conn, _bearer())["iss"]
        row = tokens.spend_refresh_token(conn, refresh_token)
        if issuer and issuer != row["application_id"]:
            raise PoyntError(
                400, "INVALID_GRANT", "Refresh token belongs to another application"
            )
        app_id, business_id = row["application_id"], row["business_id"]
        access, ttl = tokens.issue_access_token(conn, app_id, business_id)
        refresh = tokens.issue_refresh_token(conn, app_id, business_id)
    return _token_answer(access, ttl, refresh)


# The consent page


def _page(title: str, body: str, status: int = 200):
    html = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title></head>"
        f"<body style='font-family: sans-serif; max-width: 40em; margin: 2em auto'>"
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )
    return html, status, {"Content-Type": "text/html; charset=utf-8"}


def _consent_problem(values) -> str:
    """Why this client_id and redirect_uri may not ask for consent, or ''."""
    client_id = values.get("client_id", "")
    redirect_uri = values.get("redirect_uri", "")
    with current().store.read() as conn:
        row = conn.execute(
            "SELECT redirect_uris FROM applications WHERE id = ?", (client_id,)
        ).fetchone()
    if row is None:
        return f"Unknown application {client_id!r}."
    if redirect_uri not in json.loads(row["redirect_uris"]):
        return f"The redirect_uri {redirect_uri!r} is not registered for {client_id}."
    return ""


def _businesses() -> list[dict]:
    with current().store.read() as conn:
        rows = conn.execute("SELECT doc FROM businesses ORDER BY position").fetchall()
    return [json.loads(row["doc"]) for row in rows]


@bp.get("/applications/authorize")
def consent_page():
    """Ask the merchant which business to connect to the application."""
    problem = _consent_problem(request.args)
    if problem:
        return _page("Cannot authorize", f"<p>{escape(problem)}</p>", 400)

    choices = "".join(
        "<p><label><input type='radio' name='businessId'"
        f" value='{escape(business['id'])}'{' checked' if index == 0 else ''}> "
        f"{escape(business['doingBusinessAs'])}</label></p>"
        for index, business in enumerate(_businesses())
    )
    hidden = "".join(
        f"<input type='hidden' name='{name}'"
        f" value='{escape(request.args.get(name, ''))}'>"
        for name in ("redirect_uri", "client_id", "context")
    )
    body = (
        f"<p>The application <strong>{escape(request.args['client_id'])}</strong>"
        " asks to access your business.</p>"
        f"<form method='post' action='/applications/authorize'>{hidden}{choices}"
        "<button type='submit' name='decision' value='allow'>Allow</button> "
        "<button type='submit' name='decision' value='deny'>Deny</button>"
        "</form>"
    )
    return _page("Authorize application", body)


@bp.post("/applications/authorize")
def consent_decision():
    """Send the merchant back to the application with a code, or a refusal."""
    form = request.form
    problem = _consent_problem(form)
    business_id = form.get("businessId", "")
    if not problem and business_id not in {b["id"] for b in _businesses()}:
        problem = f"Unknown business {business_id!r}."
    if problem:
        return _page("Cannot authorize", f"<p>{escape(problem)}</p>", 400)

    query = {"context": form.get("context", ""), "businessId": business_id}
    if form.get("decision") == "allow":
        tokens = current().tokens
        with tokens.store.tx() as conn:
            query["code"] = tokens.issue_code(
                conn, form["client_id"], form["redirect_uri"], business_id
            )
            conn.execute(
                "INSERT OR IGNORE INTO authorizations"
                " (application_id, business_id, created_at) VALUES (?, ?, ?)",
                (form["client_id"], business_id, now_iso()),
            )
        query["status"] = "AUTHORIZED"
    else:
        query["status"] = "DENIED"
    return redirect(_with_query(form["redirect_uri"], query), code=302)


def _with_query(url: str, extra: dict) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(extra.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
