"""Which pushes an order's change owes, and sending them through firebase-admin."""

import logging
from datetime import timedelta

from firebase_admin import exceptions as firebase_errors
from firebase_admin import messaging
from flask import current_app
from sqlalchemy import delete, select

from ..accounts.models import Device
from ..backoff import retry_delay
from ..extensions import db
from ..firebase_app import get_firebase_app
from ..models import utcnow
from .models import Push

log = logging.getLogger(__name__)

# A queued push not sent within this long is queued again by the sweep.
PUSH_LEASE = timedelta(seconds=60)

MESSAGES = {
    "received": "{store} has your order.",
    "ready": "Your order is ready for pickup at {store}.",
    "completed": "Your order from {store} is complete. Enjoy!",
    "cancelled": "Your order at {store} was cancelled.",
    "failed": "We could not send your order to {store}. Support is on it.",
}
TITLES = {
    "received": "Order received",
    "ready": "Order ready",
    "completed": "Order completed",
    "cancelled": "Order cancelled",
    "failed": "Order not sent",
}
_PASSING = (
    firebase_errors.UnavailableError,
    firebase_errors.InternalError,
    firebase_errors.DeadlineExceededError,
    firebase_errors.ResourceExhaustedError,
    firebase_errors.UnknownError,
    messaging.QuotaExceededError,
)


def create_for_status(order) -> list[str]:
    """Add one pending push per device of the order's consumer; caller commits."""
    from ..merchants.models import Store

    devices = db.session.scalars(
        select(Device.id).where(Device.user_id == order.user_id)
    ).all()
    if not devices:
        return []
    store = db.session.get(Store, order.store_id)
    store_name = store.name if store else "the store"
    pushes = [
        Push(
            order_id=order.id,
            device_id=device_id,
            status=order.status,
            title=TITLES[order.status],
            body=MESSAGES[order.status].format(store=store_name),
            data={
                "orderId": order.id,
                "status": order.status,
                "storeId": order.store_id,
            },
            next_attempt_at=utcnow() + PUSH_LEASE,
        )
        for device_id in devices
    ]
    db.session.add_all(pushes)
    db.session.flush()
    return [push.id for push in pushes]


def queue(push_ids: list[str], countdown: float = 0) -> None:
    from .tasks import send_push

    for push_id in push_ids:
        try:
            send_push.apply_async((push_id,), countdown=countdown)
        except Exception as error:  # noqa: BLE001 - the sweep sends it later
            log.warning("could not queue push %s: %s", push_id, error)


def _messaging_app():
    app = get_firebase_app(current_app.config)
    send_url = current_app.config.get("FCM_SEND_URL")
    if send_url:
        # Limitation: firebase-admin has no setting for the FCM endpoint, so
        # development points its private `_fcm_url` at the sandbox. Production
        # leaves FCM_SEND_URL empty and this line never runs.
        messaging._get_messaging_service(app)._fcm_url = send_url
    return app


def _message(push: Push, device: Device) -> messaging.Message:
    target = (
        {"fid": device.token} if device.token_type == "fid" else {"token": device.token}
    )
    return messaging.Message(
        notification=messaging.Notification(title=push.title, body=push.body),
        data={key: str(value) for key, value in push.data.items()},
        # One notification per order on the phone: a newer status, or a
        # repeat after an answer from FCM was lost, replaces the one shown.
        android=messaging.AndroidConfig(
            priority="high",
            collapse_key=push.order_id,
            notification=messaging.AndroidNotification(tag=push.order_id),
        ),
        apns=messaging.APNSConfig(
            headers={"apns-priority": "10", "apns-collapse-id": push.order_id}
        ),
        **target,
    )


def send(push_id: str) -> float | None:
    """Send one push; answer a retry delay when FCM failed for a passing reason."""
    push = db.session.get(Push, push_id)
    if push is None or push.state != "pending":
        return None
    device = db.session.get(Device, push.device_id) if push.device_id else None
    if device is None:
        push.state = "dropped"
        push.last_error = "device removed"
        db.session.commit()
        return None
    push.attempts += 1
    push.next_attempt_at = utcnow() + PUSH_LEASE
    db.session.commit()

    try:
        name = messaging.send(_message(push, device), app=_messaging_app())
    except messaging.UnregisteredError:
        _forget_device(push, device)
        return None
    except _PASSING as error:
        return _failed_for_now(push, error)
    except (firebase_errors.FirebaseError, ValueError) as error:
        push.state = "failed"
        push.last_error = f"{type(error).__name__}: {error}"[:500]
        push.next_attempt_at = None
        db.session.commit()
        log.warning(
            "push failed: %s", push.last_error, extra={"order_id": push.order_id}
        )
        return None
    push.state = "sent"
    push.message_name = name
    push.sent_at = utcnow()
    push.next_attempt_at = None
    db.session.commit()
    log.info("push sent", extra={"order_id": push.order_id})
    return None


def _forget_device(push: Push, device: Device) -> None:
    push.state = "dropped"
    push.last_error = "FCM: token unregistered; device removed"
    push.next_attempt_at = None
    db.session.execute(delete(Device).where(Device.id == device.id))
    db.session.commit()
    log.info("push dropped, device unregistered", extra={"order_id": push.order_id})


def _failed_for_now(push: Push, error: Exception) -> float | None:
    push.last_error = f"{type(error).__name__}: {error}"[:500]
    if push.attempts >= current_app.config["PUSH_MAX_ATTEMPTS"]:
        push.state = "failed"
        push.next_attempt_at = None
        db.session.commit()
        return None
    delay = retry_delay(push.attempts)
    push.next_attempt_at = utcnow() + timedelta(seconds=delay)
    db.session.commit()
    return delay
