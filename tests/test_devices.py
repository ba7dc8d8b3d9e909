"""Devices over HTTP: a phone registers its push identifier, lists and drops it."""

import time

PROBLEM = "application/problem+json"


def _token(tag: str) -> str:
    return f"fcm-{tag}-{time.time_ns()}:APA91b-registration-token"


def _add(client, token: str, platform: str = "android", **extra):
    return client.post(
        "/v1/me/devices", json={"token": token, "platform": platform, **extra}
    )


def test_a_phone_registers_its_token_once(api):
    me, _ = api.register()
    token = _token("pixel")

    first = _add(me, token)
    assert first.status_code == 201
    device = first.json()
    assert device["platform"] == "android"
    assert device["tokenType"] == "fcm"
    assert device["tokenSuffix"] == token[-6:]
    assert "token" not in device
    assert device["createdAt"].endswith("Z")

    again = _add(me, token, platform="ios", tokenType="fid")
    assert again.status_code == 200
    assert again.json()["id"] == device["id"]
    assert again.json()["platform"] == "ios"
    assert again.json()["tokenType"] == "fid"

    listed = me.get("/v1/me/devices").json()
    assert [d["id"] for d in listed["items"]] == [device["id"]]
    assert listed["nextCursor"] is None


def test_a_token_moves_to_whoever_signs_in_on_the_phone(api):
    first_owner, _ = api.register()
    second_owner, _ = api.register()
    token = _token("shared-tablet")
    device_id = _add(first_owner, token).json()["id"]

    moved = _add(second_owner, token, platform="android")

    assert moved.status_code == 200
    assert moved.json()["id"] == device_id
    assert first_owner.get("/v1/me/devices").json()["items"] == []
    items = second_owner.get("/v1/me/devices").json()["items"]
    assert [d["id"] for d in items] == [device_id]


def test_devices_are_listed_newest_first_a_page_at_a_time(api):
    me, _ = api.register()
    ids = [_add(me, _token(f"phone-{n}")).json()["id"] for n in range(3)]

    first = me.get("/v1/me/devices", params={"limit": 2}).json()
    assert [d["id"] for d in first["items"]] == ids[:0:-1]
    assert first["nextCursor"]
    rest = me.get(
        "/v1/me/devices", params={"limit": 2, "cursor": first["nextCursor"]}
    ).json()
    assert [d["id"] for d in rest["items"]] == [ids[0]]
    assert rest["nextCursor"] is None

    too_many = me.get("/v1/me/devices", params={"limit": 101})
    assert too_many.status_code == 422
    assert "limit" in too_many.json()["errors"]


def test_only_the_owner_can_remove_a_device(api):
    owner, _ = api.register()
    stranger, _ = api.register()
    device_id = _add(owner, _token("owned")).json()["id"]

    refused = stranger.delete(f"/v1/me/devices/{device_id}")
    assert refused.status_code == 404
    assert refused.headers["Content-Type"] == PROBLEM
    assert len(owner.get("/v1/me/devices").json()["items"]) == 1

    assert owner.delete(f"/v1/me/devices/{device_id}").status_code == 204
    assert owner.get("/v1/me/devices").json()["items"] == []
    assert owner.delete(f"/v1/me/devices/{device_id}").status_code == 404


def test_a_device_needs_a_known_platform_and_a_sane_token(api):
    me, _ = api.register()

    response = _add(me, "", platform="windows", tokenType="apns")

    assert response.status_code == 422
    assert response.headers["Content-Type"] == PROBLEM
    assert set(response.json()["errors"]) == {"token", "platform", "tokenType"}
    assert _add(me, "x" * 4097).status_code == 422


def test_devices_need_a_signed_in_user(api):
    assert api.get("/v1/me/devices").status_code == 401
    assert _add(api, _token("anonymous")).status_code == 401
