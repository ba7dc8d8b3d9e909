"""A webhook that never arrives: reconciliation still ends in the right status."""

from support import place_order, wait_for, wait_for_status

from mobile_backend.extensions import db
from mobile_backend.merchants.models import Business
from mobile_backend.orders import service
from mobile_backend.orders.models import Order


def test_reconciliation_takes_the_status_a_lost_webhook_carried(
    api, app, coffee, sandbox, stack
):
    consumer, _ = api.register()
    placed = place_order(consumer, coffee.COFFEE_STORE_ID, coffee.COLD_BREW_ID)
    wait_for_status(consumer, placed["id"], "received")
    with app.app_context():
        business = db.session.get(Business, coffee.COFFEE_BUSINESS_ID)
        real_secret = business.hook_secret
        poynt_id = db.session.get(Order, placed["id"]).poynt_order_id
        # Our side forgets the secret, so the completion webhook is refused.
        business.hook_secret = None
        db.session.commit()
    try:
        sandbox.post(
            f"/sandbox/businesses/{coffee.COFFEE_BUSINESS_ID}/orders/{poynt_id}"
            "/complete"
        )

        def refused():
            deliveries = sandbox.get("/sandbox/webhook-deliveries").json()
            return [
                d
                for d in deliveries["deliveries"]
                if d["resourceId"] == poynt_id and d["responseStatus"] == 401
            ]

        wait_for(refused)
        assert consumer.get(f"/v1/orders/{placed['id']}").json()["status"] == (
            "received"
        )
        with app.app_context():
            moved = service.reconcile(coffee.COFFEE_BUSINESS_ID)
    finally:
        with app.app_context():
            business = db.session.get(Business, coffee.COFFEE_BUSINESS_ID)
            business.hook_secret = real_secret
            db.session.commit()
    assert moved >= 1
    assert consumer.get(f"/v1/orders/{placed['id']}").json()["status"] == "completed"
