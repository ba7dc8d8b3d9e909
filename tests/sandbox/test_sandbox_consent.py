"""The merchant consent page and the redirect back to the application."""

from urllib.parse import parse_qs, urlsplit

from mobile_backend.sandbox.seed import BAKERY_BUSINESS_ID, COFFEE_BUSINESS_ID


def test_the_page_names_the_application_and_lists_the_businesses(sandbox):
    page = sandbox.client.get(
        "/applications/authorize",
        query_string={
            "redirect_uri": sandbox.redirect_uri,
            "client_id": sandbox.app_id,
            "context": "abc",
        },
    )

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert sandbox.app_id in html
    assert "Sandbox Coffee" in html and "Sandbox Bakery" in html
    assert f"value='{COFFEE_BUSINESS_ID}' checked" in html
    assert "name='decision' value='allow'" in html
    assert "name='decision' value='deny'" in html
    assert "name='context' value='abc'" in html


def test_unknown_client_or_redirect_uri_is_refused(sandbox):
    for args in (
        {"client_id": "urn:aid:nobody", "redirect_uri": sandbox.redirect_uri},
        {"client_id": sandbox.app_id, "redirect_uri": "http://evil.example/cb"},
    ):
        page = sandbox.client.get("/applications/authorize", query_string=args)
        assert page.status_code == 400
        assert "not registered" in page.get_data(as_text=True) or "Unknown" in (
            page.get_data(as_text=True)
        )


def decide(sandbox, decision: str, business_id: str):
    answer = sandbox.client.post(
        "/applications/authorize",
        data={
            "redirect_uri": sandbox.redirect_uri,
            "client_id": sandbox.app_id,
            "context": "state-42",
            "businessId": business_id,
            "decision": decision,
        },
    )
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert location._replace(query="").geturl() == sandbox.redirect_uri
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def test_allow_redirects_with_a_code(sandbox):
    query = decide(sandbox, "allow", BAKERY_BUSINESS_ID)

    assert query["status"] == "AUTHORIZED"
    assert query["context"] == "state-42"
    assert query["businessId"] == BAKERY_BUSINESS_ID
    assert sandbox.exchange_code(query["code"]).status_code == 200


def test_deny_redirects_without_a_code(sandbox):
    query = decide(sandbox, "deny", COFFEE_BUSINESS_ID)

    assert query["status"] == "DENIED"
    assert query["context"] == "state-42"
    assert "code" not in query
