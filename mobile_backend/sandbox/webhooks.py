"""Webhook events for order changes and the background threads that deliver them."""

import base64
import hashlib
import hmac
import json
import logging
import sqlite3
import threading
import time
import uuid

import requests

from .store import Store, now_iso

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.2
# A claim outlives the delivery timeout so a crashed thread's event is retried.
CLAIM_MARGIN = 10


def sign(secret: str, body: bytes) -> str:
    """Poynt's signature: base64 of HMAC-SHA1 over the raw body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def record_order_event(
    conn: sqlite3.Connection, base_url: str, order: dict, event_type: str, limit: int
) -> int:
    """Write one event per hook subscribed to ``event_type``; the count written.

    The events are rows in the caller's transaction, so an order change and
    the news of it commit together; the delivery threads pick them up later.
    """
    business_id = order["context"]["businessId"]
    store_id = order["context"].get("storeId")
    hooks = conn.execute(
        "SELECT id, application_id, secret, doc FROM hooks WHERE business_id = ?",
        (business_id,),
    ).fetchall()
    count = 0
    for hook in hooks:
        doc = json.loads(hook["doc"])
        if event_type not in doc["eventTypes"]:
            continue
        now = now_iso()
        event = {
            "id": str(uuid.uuid4()),
            "hookId": hook["id"],
            "applicationId": hook["application_id"],
            "businessId": business_id,
            "storeId": store_id,
            "deviceId": _terminal_id(conn, business_id, store_id),
            "eventType": event_type,
            "resource": "/orders",
            "resourceId": order["id"],
            "links": [
                {
                    "href": f"{base_url}/businesses/{business_id}/orders/{order['id']}",
                    "rel": "resource",
                    "method": "GET",
                }
            ],
            "createdAt": now,
            "updatedAt": now,
        }
        # Serialised once: every attempt sends, and signs, exactly these bytes.
        body = json.dumps(event).encode()
        conn.execute(
            "INSERT INTO events (id, hook_id, business_id, event_type, resource_id,"
            " delivery_url, secret, body, signature, attempt_limit, next_attempt_at,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event["id"],
                hook["id"],
                business_id,
                event_type,
                order["id"],
                doc["deliveryUrl"],
                hook["secret"],
                body,
                sign(hook["secret"], body),
                limit,
                time.time(),
                now,
            ),
        )
        count += 1
    return count


def _terminal_id(conn: sqlite3.Connection, business_id: str, store_id) -> str | None:
    row = conn.execute(
        "SELECT doc FROM businesses WHERE id = ?", (business_id,)
    ).fetchone()
    if row is None:
        return None
    for store in json.loads(row["doc"])["stores"]:
        if store["id"] == store_id and store["storeDevices"]:
            return store["storeDevices"][0]["deviceId"]
    return None


class DeliveryWorker:
    """Daemon threads that post due events; the events table is the queue.

    Because pending events live in the database, events left undelivered
    when the sandbox stopped are picked up again as soon as it restarts.
    """

    def __init__(self, store: Store, threads: int = 2):
        self.store = store
        self._threads = [
            threading.Thread(
                target=self._run, name=f"sandbox-webhooks-{n}", daemon=True
            )
            for n in range(threads)
        ]
        self._stop = threading.Event()
        self._wakeup = threading.Event()

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """Look for due events now rather than at the next poll."""
        self._wakeup.set()

    def shutdown(self, timeout: float = 5) -> None:
        self._stop.set()
        self._wakeup.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout)

    def _run(self) -> None:
        session = requests.Session()
        # Deliveries go to local receivers; a proxy from the environment must
        # not intercept them.
        session.trust_env = False
        while not self._stop.is_set():
            try:
                event = self._claim()
                if event is not None:
                    self._deliver(session, event)
                    continue
            except Exception:
                # The data directory may vanish under a test's feet; keep going.
                log.exception("webhook delivery loop failed")
            self._wakeup.wait(POLL_INTERVAL)
            self._wakeup.clear()

    def _claim(self) -> sqlite3.Row | None:
        settings = self.store.settings()
        now = time.time()
        with self.store.tx() as conn:
            event = conn.execute(
                "SELECT * FROM events WHERE delivered = 0"
                " AND attempts < attempt_limit AND next_attempt_at <= ?"
                " AND claimed_until < ? AND hook_id IN (SELECT id FROM hooks)"
                " ORDER BY next_attempt_at LIMIT 1",
                (now, now),
            ).fetchone()
            if event is None:
                return None
            claim = now + float(settings["webhookTimeout"]) + CLAIM_MARGIN
            conn.execute(
                "UPDATE events SET attempts = attempts + 1, claimed_until = ?"
                " WHERE id = ?",
                (claim, event["id"]),
            )
            return conn.execute(
                "SELECT * FROM events WHERE id = ?", (event["id"],)
            ).fetchone()

    def _deliver(self, session: requests.Session, event: sqlite3.Row) -> None:
        settings = self.store.settings()
        status, error = None, None
        started = time.monotonic()
        try:
            answer = session.post(
                event["delivery_url"],
                data=event["body"],
                headers={
                    "Content-Type": "application/json",
                    "Poynt-Webhook-Signature": event["signature"],
                },
                timeout=float(settings["webhookTimeout"]),
            )
            status = answer.status_code
        except requests.Timeout:
            error = "timeout"
        except requests.RequestException as failure:
            error = f"{type(failure).__name__}: {failure}"
        duration_ms = int((time.monotonic() - started) * 1000)

        delivered = status is not None and 200 <= status < 300
        backoff = list(settings["webhookBackoff"]) or [1]
        delay = backoff[min(event["attempts"] - 1, len(backoff) - 1)]
        with self.store.tx() as conn:
            conn.execute(
                "INSERT INTO deliveries (event_id, hook_id, event_type, business_id,"
                " resource_id, delivery_url, attempt, response_status, error,"
                " duration_ms, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    event["id"],
                    event["hook_id"],
                    event["event_type"],
                    event["business_id"],
                    event["resource_id"],
                    event["delivery_url"],
                    event["attempts"],
                    status,
                    error,
                    duration_ms,
                    now_iso(),
                ),
            )
            conn.execute(
                "UPDATE events SET delivered = ?, claimed_until = 0,"
                " next_attempt_at = ? WHERE id = ?",
                (int(delivered), time.time() + delay, event["id"]),
            )
        log.info(
            "webhook %s attempt %s to %s: %s",
            event["event_type"],
            event["attempts"],
            event["delivery_url"],
            status or error,
        )


def redeliver(conn: sqlite3.Connection, event_id: str) -> bool:
    """Queue one more attempt of an event, now; False if it or its hook is gone."""
    row = conn.execute(
        "SELECT events.attempts, events.attempt_limit FROM events"
        " JOIN hooks ON hooks.id = events.hook_id WHERE events.id = ?",
        (event_id,),
    ).fetchone()
    if row is None:
        return False
    conn.execute(
        "UPDATE events SET delivered = 0, next_attempt_at = 0, claimed_until = 0,"
        " attempt_limit = MAX(attempt_limit, attempts + 1) WHERE id = ?",
        (event_id,),
    )
    return True
