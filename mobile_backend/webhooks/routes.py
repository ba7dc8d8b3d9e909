"""The receiver for Poynt's webhooks."""

import marshmallow as ma
from flask import after_this_request, request
from flask_smorest import Blueprint

from . import service

blp = Blueprint("webhooks", __name__, description="Poynt's webhook deliveries")


class AckSchema(ma.Schema):
    received = ma.fields.Boolean()
    duplicate = ma.fields.Boolean()


@blp.post("/webhooks/poynt")
@blp.response(200, AckSchema)
@blp.alt_response(400, description="Not a Poynt event")
@blp.alt_response(401, description="Signature missing or wrong")
def receive_poynt():
    """Store a Poynt event once and acknowledge it; the worker processes it.

    The body is checked against `Poynt-Webhook-Signature`, the base64
    HMAC-SHA1 of the raw body with the business's hook secret.
    """
    event, new = service.receive(
        request.get_data(cache=False), request.headers.get(service.SIGNATURE_HEADER)
    )
    if new:
        # Queue only after the answer has gone: the acknowledgement itself
        # does no network I/O; the sweep catches a queueing that fails.
        event_id = event.id

        @after_this_request
        def _queue_once_sent(response):
            response.call_on_close(lambda: service.queue(event_id))
            return response

    return {"received": True, "duplicate": not new}
