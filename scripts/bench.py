"""Per-request cost of the hot endpoints: SQL queries, outbound connections, time.

Runs the app in-process on a throwaway SQLite database (no servers needed)
and compares a small and a large data set in one run, so the numbers that
matter are the ratios, not the milliseconds of this machine.

    .venv/bin/python scripts/bench.py
"""

import json
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

INSTANCE = Path(tempfile.mkdtemp(prefix="mobile-backend-bench-"))
os.environ.update(
    {
        "INSTANCE_PATH": str(INSTANCE),
        "CELERY_BROKER_URL": f"sqla+sqlite:///{INSTANCE / 'broker.sqlite3'}",
        "LOG_LEVEL": "ERROR",
        "LOGIN_RATE_LIMIT": "100000 per minute",
    }
)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402

from mobile_backend import create_app  # noqa: E402
from mobile_backend.config import Config  # noqa: E402
from mobile_backend.keys import ensure_dev_keys, load_fernet  # noqa: E402

ensure_dev_keys(Config())
app = create_app()

from mobile_backend.catalog.service import keep  # noqa: E402
from mobile_backend.extensions import db  # noqa: E402
from mobile_backend.merchants.models import Business, Store  # noqa: E402
from mobile_backend.orders.models import Order  # noqa: E402
from mobile_backend.webhooks.service import signature_of  # noqa: E402

SECRET = "bench-secret"
RUNS = 200


class Counter:
    queries = 0
    connections = 0


def _count_query(*_args, **_kwargs):
    Counter.queries += 1


_real_connect = socket.socket.connect


def _count_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        Counter.connections += 1
    return _real_connect(self, address)


def seed(business_id: str, store_id: str) -> None:
    with app.app_context():
        upgrade()
        db.session.add(
            Business(
                id=business_id,
                name="Bench Coffee",
                hook_id="hook",
                hook_secret=load_fernet(app.config).encrypt(SECRET.encode()).decode(),
            )
        )
        db.session.add(Store(id=store_id, business_id=business_id, name="Bench St"))
        products = [
            {
                "id": f"p{i}",
                "name": f"Product {i}",
                "description": "",
                "sku": None,
                "price": 100 + i,
                "imageUrl": None,
                "available": True,
                "taxIds": ["t"],
            }
            for i in range(50)
        ]
        keep(
            business_id,
            "catalog",
            {
                "currency": "USD",
                "categories": [{"id": "c", "name": "All", "productIds": ["p0"]}],
                "products": products,
                "taxes": [{"id": "t", "name": "Tax", "rate": 8.625}],
            },
        )
        db.session.commit()


def add_orders(user_id: str, business_id: str, store_id: str, count: int) -> None:
    with app.app_context():
        db.session.add_all(
            Order(
                user_id=user_id,
                business_id=business_id,
                store_id=store_id,
                items=[{"productId": "p1", "name": "P", "quantity": 1,
                        "unitPrice": 101, "tax": 9, "note": None}],
                sub_total=101,
                tax_total=9,
                total=110,
                currency="USD",
                idempotency_key=str(uuid.uuid4()),
                request_hash="x",
                status="received",
            )
            for _ in range(count)
        )  # fmt: skip
        db.session.commit()


def measure(client, method: str, path: str, **kwargs) -> dict:
    """Median time, and queries and outbound connections per request."""
    times = []
    Counter.queries = Counter.connections = 0
    for _ in range(RUNS):
        body = kwargs.pop("body_factory", None)
        if body:
            kwargs.update(body())
            kwargs["body_factory"] = body
        started = time.perf_counter()
        response = client.open(
            path,
            method=method,
            **{k: v for k, v in kwargs.items() if k != "body_factory"},
        )
        times.append(time.perf_counter() - started)
        assert response.status_code < 400, (path, response.status_code, response.data)
    return {
        "ms": statistics.median(times) * 1000,
        "queries": Counter.queries / RUNS,
        "connections": Counter.connections / RUNS,
    }


def signed_event(business_id: str) -> dict:
    body = json.dumps(
        {
            "id": str(uuid.uuid4()),
            "businessId": business_id,
            "eventType": "ORDER_UPDATED",
            "resource": "/orders",
            "resourceId": str(uuid.uuid4()),
            "applicationId": app.config["POYNT_APPLICATION_ID"],
        }
    ).encode()
    return {
        "data": body,
        "headers": {
            "Content-Type": "application/json",
            "Poynt-Webhook-Signature": signature_of(body, SECRET),
        },
    }


def main() -> None:
    business_id, store_id = str(uuid.uuid4()), str(uuid.uuid4())
    seed(business_id, store_id)
    client = app.test_client()

    def session_for(email):
        answer = client.post(
            "/v1/auth/register",
            json={"email": email, "password": "bench-pass-1", "name": "B"},
        )
        return answer.get_json()

    small, large = session_for("small@bench.test"), session_for("large@bench.test")
    add_orders(small["user"]["id"], business_id, store_id, 10)
    add_orders(large["user"]["id"], business_id, store_id, 2000)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count_query)
    socket.socket.connect = _count_connect

    def auth(session):
        return {"Authorization": f"Bearer {session['accessToken']}"}

    rows = {
        "healthz (baseline)": measure(client, "GET", "/healthz"),
        "orders, 10 held": measure(
            client, "GET", "/v1/orders?limit=20", headers=auth(small)
        ),
        "orders, 2000 held": measure(
            client, "GET", "/v1/orders?limit=20", headers=auth(large)
        ),
        "orders, 2000 held, limit 100": measure(
            client, "GET", "/v1/orders?limit=100", headers=auth(large)
        ),
        "stores": measure(client, "GET", "/v1/stores", headers=auth(small)),
        "catalog (50 products)": measure(
            client, "GET", f"/v1/stores/{store_id}/catalog", headers=auth(small)
        ),
        "webhook acknowledgement": measure(
            client,
            "POST",
            "/webhooks/poynt",
            body_factory=lambda: signed_event(business_id),
        ),
    }
    base = rows["healthz (baseline)"]["ms"]
    print(f"{'endpoint':32} {'median ms':>10} {'x healthz':>10} "
          f"{'queries':>8} {'net conns':>9}")  # fmt: skip
    for name, row in rows.items():
        print(
            f"{name:32} {row['ms']:10.2f} {row['ms'] / base:10.1f} "
            f"{row['queries']:8.1f} {row['connections']:9.1f}"
        )
    ratio = rows["orders, 2000 held"]["ms"] / rows["orders, 10 held"]["ms"]
    print(f"\norders list, 2000 held vs 10 held: {ratio:.2f}x time")


if __name__ == "__main__":
    main()
