"""Merchant onboarding pages: connect, and Poynt's redirect back."""

from flask import redirect, render_template, request
from flask_smorest import Blueprint

from . import service

blp = Blueprint(
    "merchants",
    __name__,
    template_folder="templates",
    description="Merchant onboarding through Poynt's consent page (HTML pages)",
)
_HTML = {"text/html": {"schema": {"type": "string"}}}
_CALLBACK_PARAMETERS = [
    {"in": "query", "name": name, "schema": {"type": "string"}, "description": text}
    for name, text in [
        ("code", "Poynt's authorization code"),
        ("status", "AUTHORIZED, or why not"),
        ("context", "The value we sent to Poynt, back again"),
        ("businessId", "Deprecated by Poynt; the token's poynt.biz is trusted"),
    ]
]

NONCE_COOKIE = "mb_connect"


@blp.get("/merchants/connect")
@blp.doc(responses={"302": {"description": "To Poynt's consent page"}})
def connect():
    """Send the merchant to Poynt's consent page."""
    url, nonce = service.start_connect()
    response = redirect(url, code=302)
    response.set_cookie(
        NONCE_COOKIE,
        nonce,
        max_age=service.current_app.config["CONNECT_CONTEXT_TTL"],
        httponly=True,
        samesite="Lax",
        path="/merchants/connect",
    )
    return response


@blp.get("/merchants/connect/callback")
@blp.doc(
    parameters=_CALLBACK_PARAMETERS,
    responses={
        "200": {"description": "The store is connected", "content": _HTML},
        "400": {"description": "What went wrong; nothing stored", "content": _HTML},
    },
)
def callback():
    """Poynt's redirect back: a plain page saying what happened."""
    try:
        business = service.finish_connect(
            request.args.to_dict(), request.cookies.get(NONCE_COOKIE)
        )
    except service.ConnectError as error:
        response = render_template("merchants/failed.html", reason=str(error))
        return response, 400
    response = render_template("merchants/connected.html", business=business)
    return response, 200
