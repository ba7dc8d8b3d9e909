"""Merchant onboarding: what a merchant sees, and nothing kept on failure."""

import uuid

from support import API_URL, connect_merchant

from mobile_backend.extensions import db
from mobile_backend.merchants.models import Business, Store, Terminal
from mobile_backend.poynt.client import BusinessClient
from mobile_backend.poynt.models import PoyntToken


def _business(app, business_id):
    with app.app_context():
        return db.session.get(Business, business_id)


def test_a_connected_merchant_has_stores_terminals_tokens_and_a_hook(
    app, coffee, sandbox
):
    with app.app_context():
        business = db.session.get(Business, coffee.COFFEE_BUSINESS_ID)
        assert business.name == "Sandbox Coffee"
        assert business.status == "connected"
        store = db.session.get(Store, coffee.COFFEE_STORE_ID)
        assert store.business_id == business.id
        assert db.session.get(Terminal, coffee.COFFEE_TERMINAL_ID).store_id == store.id
        token = db.session.get(PoyntToken, business.id)
        # Stored encrypted, never as the bearer string itself.
        assert not token.access_token.startswith("ey")
        hooks = BusinessClient(business.id).list_hooks()
    assert [hook["id"] for hook in hooks] == [business.hook_id]
    assert hooks[0]["deliveryUrl"] == API_URL + "/webhooks/poynt"
    assert set(hooks[0]["eventTypes"]) >= {"ORDER_UPDATED", "ORDER_COMPLETED"}


def test_denied_consent_shows_why_and_stores_nothing(app, stack):
    from mobile_backend.sandbox import seed

    page = connect_merchant(seed.BAKERY_BUSINESS_ID, decision="deny")
    assert page.status_code == 400
    assert "not allowed" in page.text
    assert _business(app, seed.BAKERY_BUSINESS_ID) is None


def test_a_forged_context_is_refused(api, stack):
    page = api.get(
        "/merchants/connect/callback",
        params={"code": "x", "status": "AUTHORIZED", "context": "forged"},
    )
    assert page.status_code == 400
    assert "not one we made" in page.text


def test_a_missing_context_is_refused(api, stack):
    page = api.get("/merchants/connect/callback", params={"code": "x"})
    assert page.status_code == 400


def test_a_context_cannot_be_used_twice(coffee):
    first = connect_merchant(coffee.COFFEE_BUSINESS_ID)
    assert first.status_code == 200
    replay = first.browser.get(first.callback_url)
    assert replay.status_code == 400
    assert "already used" in replay.text


def test_a_context_from_another_browser_is_refused(coffee):
    import requests

    browser, callback = connect_merchant(coffee.COFFEE_BUSINESS_ID, follow=False)
    stranger = requests.get(callback, timeout=10)
    assert stranger.status_code == 400
    assert "another browser" in stranger.text
    assert browser.get(callback).status_code == 200


def test_an_expired_context_is_refused(app, stack):
    from mobile_backend.sandbox import seed

    ttl = app.config["CONNECT_CONTEXT_TTL"]
    app.config["CONNECT_CONTEXT_TTL"] = -1
    try:
        page = connect_merchant(seed.BAKERY_BUSINESS_ID)
    finally:
        app.config["CONNECT_CONTEXT_TTL"] = ttl
    assert page.status_code == 400
    assert "expired" in page.text
    assert _business(app, seed.BAKERY_BUSINESS_ID) is None


def test_a_callback_naming_another_business_is_refused(app, stack):
    from mobile_backend.sandbox import seed

    bakery = seed.BAKERY_BUSINESS_ID
    page = connect_merchant(
        bakery, tamper=lambda url: url.replace(bakery, str(uuid.uuid4()))
    )
    assert page.status_code == 400
    assert "another business" in page.text
    assert _business(app, bakery) is None


def test_connect_redirects_to_poynts_consent_page(api, stack):
    response = api.get("/merchants/connect", allow_redirects=False)
    assert response.status_code == 302
    assert "client_id=urn%3Aaid%3A" in response.headers["Location"]
    assert (
        "redirect_uri=" + API_URL.replace(":", "%3A").replace("/", "%2F")
        in (response.headers["Location"])
    )
