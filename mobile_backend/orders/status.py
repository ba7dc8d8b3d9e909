"""How a Poynt order's statuses read as our order status."""


def from_poynt(order: dict) -> str:
    """Our status for a Poynt order: cancelled, completed, ready or received."""
    statuses = order.get("statuses") or {}
    status = statuses.get("status")
    if status == "CANCELLED":
        return "cancelled"
    if status == "COMPLETED":
        return "completed"
    if statuses.get("fulfillmentStatus") == "FULFILLED":
        return "ready"
    return "received"
