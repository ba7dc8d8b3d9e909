"""Support staff's endpoints, and what operators and tools read."""

import logging
import uuid

from support import wait_for


def test_consumers_may_not_use_admin_endpoints(api, stack):
    consumer, _ = api.register()
    for method, path in [
        ("GET", "/v1/admin/businesses"),
        ("GET", "/v1/admin/orders"),
        ("POST", f"/v1/admin/orders/{uuid.uuid4()}/retry"),
    ]:
        assert consumer.request(method, path).status_code == 403
        assert api.request(method, path).status_code == 401


def test_support_sees_each_business_connection_health(support, coffee):
    page = support.get("/v1/admin/businesses").json()
    coffee_row = next(b for b in page["items"] if b["id"] == coffee.COFFEE_BUSINESS_ID)
    assert coffee_row["status"] == "connected"
    assert coffee_row["hookRegistered"] is True
    assert coffee_row["tokenExpiresAt"].endswith("Z")
    assert coffee_row["lastError"] is None


def test_support_finds_any_order_by_id_email_or_status(support, api, coffee):
    email = f"find-me-{uuid.uuid4()}@example.com"
    consumer, _ = api.register(email=email)
    placed = consumer.post(
        f"/v1/stores/{coffee.COFFEE_STORE_ID}/orders",
        json={"items": [{"productId": coffee.AMERICANO_ID, "quantity": 3}]},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    ).json()

    by_email = support.get("/v1/admin/orders", params={"q": email.upper()}).json()
    assert [o["id"] for o in by_email["items"]] == [placed["id"]]
    by_id = support.get("/v1/admin/orders", params={"q": placed["id"]}).json()
    assert [o["id"] for o in by_id["items"]] == [placed["id"]]
    poynt_id = by_id["items"][0]["poyntOrderId"]
    by_poynt = support.get("/v1/admin/orders", params={"q": poynt_id}).json()
    assert [o["id"] for o in by_poynt["items"]] == [placed["id"]]

    wait_for(
        lambda: (
            placed["id"]
            in [
                o["id"]
                for o in support.get(
                    "/v1/admin/orders", params={"status": "received", "limit": 100}
                ).json()["items"]
            ]
        )
    )
    bad = support.get("/v1/admin/orders", params={"status": "lost"})
    assert bad.status_code == 422
    assert "status" in bad.json()["errors"]


def test_lists_page_with_a_cursor(support, api, coffee):
    consumer, _ = api.register()
    ids = []
    for _ in range(3):
        ids.append(
            consumer.post(
                f"/v1/stores/{coffee.COFFEE_STORE_ID}/orders",
                json={"items": [{"productId": coffee.ESPRESSO_ID, "quantity": 1}]},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            ).json()["id"]
        )
    first = consumer.get("/v1/orders", params={"limit": 2}).json()
    assert [o["id"] for o in first["items"]] == ids[::-1][:2]
    rest = consumer.get(
        "/v1/orders", params={"limit": 2, "cursor": first["nextCursor"]}
    ).json()
    assert [o["id"] for o in rest["items"]] == ids[:1]
    assert rest["nextCursor"] is None
    assert consumer.get("/v1/orders", params={"limit": 101}).status_code == 422
    assert consumer.get("/v1/orders", params={"cursor": "junk"}).status_code == 400


def test_health_readiness_and_the_api_document(api, stack):
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
    spec = api.get("/openapi.json").json()
    for path in [
        "/v1/auth/register",
        "/v1/stores/{store_id}/orders",
        "/v1/admin/orders/{order_id}/retry",
        "/webhooks/poynt",
    ]:
        assert path in spec["paths"]
    docs = api.get("/docs")
    assert docs.status_code == 200
    assert "/docs/static/swagger-ui-bundle.js" in docs.text
    assert api.get("/docs/static/swagger-ui-bundle.js").status_code == 200


def test_every_answer_carries_a_request_id(api, stack):
    echoed = api.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    fresh = api.get("/healthz")
    assert len(fresh.headers["X-Request-ID"]) == 36
    missing = api.get("/v1/nowhere")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"
    assert missing.json()["requestId"] == missing.headers["X-Request-ID"]
    wrong_method = api.delete("/v1/orders")
    assert wrong_method.status_code == 405
    malformed = api.post(
        "/v1/auth/login", data="{", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.headers["Content-Type"] == "application/problem+json"
    not_json = api.post("/v1/auth/login", data='{"email": "a@b.c"}')
    assert not_json.status_code == 415


def test_an_unexpected_error_answers_500_with_the_request_id_and_is_logged(
    api, stack, monkeypatch, caplog
):
    from mobile_backend.catalog import service

    # A simulated bug: the only way to make working code raise on purpose.
    def broken(store_id):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(service, "connected_store", broken)
    consumer, _ = api.register()
    with caplog.at_level(logging.ERROR):
        response = consumer.get("/v1/stores/any", headers={"X-Request-ID": "bug-1"})
    assert response.status_code == 500
    body = response.json()
    assert body["requestId"] == "bug-1"
    assert "simulated bug" not in response.text
    assert any(
        record.exc_info and "simulated bug" in str(record.exc_info[1])
        for record in caplog.records
    )


def test_input_no_database_could_store_is_refused(api, stack):
    consumer, _ = api.register()
    nul_name = consumer.patch("/v1/me", json={"name": "a\u0000b"})
    assert nul_name.status_code == 400
    assert consumer.get("/v1/orders/a%00b").status_code == 400
    control = consumer.patch("/v1/me", json={"name": "a\r\nb"})
    assert control.status_code == 422
    assert "name" in control.json()["errors"]
    blank_token = consumer.post(
        "/v1/me/devices", json={"token": "   ", "platform": "ios"}
    )
    assert blank_token.status_code == 422
    huge = api.post(
        "/v1/auth/login",
        data=b'{"email": "' + b"a" * (2 * 1024 * 1024) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.headers["Content-Type"] == "application/problem+json"
    assert consumer.get("/v1/me").json()["name"] == "Ada"


def test_a_weak_etag_matches_the_catalog(api, coffee):
    consumer, _ = api.register()
    url = f"/v1/stores/{coffee.COFFEE_STORE_ID}/catalog"
    etag = consumer.get(url).headers["ETag"]
    assert consumer.get(url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
