"""Merchant onboarding pages: connect, and Poynt's redirect back."""

from flask import Blueprint, redirect, render_template, request

from . import service

blp = Blueprint("merchants", __name__, template_folder="templates")

NONCE_COOKIE = "mb_connect"


@blp.get("/merchants/connect")
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
