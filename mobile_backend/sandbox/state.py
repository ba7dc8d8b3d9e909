"""What one running sandbox owns, reachable from views as ``current()``."""

from flask import current_app

from .store import Store
from .tokens import Tokens
from .webhooks import DeliveryWorker


class Sandbox:
    """The sandbox's store, token service and delivery threads."""

    def __init__(self, store: Store, tokens: Tokens, base_url: str):
        self.store = store
        self.tokens = tokens
        self.base_url = base_url
        self.worker = DeliveryWorker(store)

    def delivery_attempts(self) -> int:
        """How many times a new webhook event may be attempted."""
        return int(self.store.settings()["webhookMaxAttempts"])

    def shutdown(self) -> None:
        """Stop the delivery threads; safe to call more than once."""
        self.worker.shutdown()


def current() -> Sandbox:
    return current_app.extensions["sandbox"]
