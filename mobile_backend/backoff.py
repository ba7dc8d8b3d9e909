"""When to try a relay, a webhook event or a push again."""

from celery.utils.time import get_exponential_backoff_interval

MAX_DELAY = 300


def retry_delay(attempt: int) -> float:
    """Seconds to wait after `attempt` tries: exponential, full jitter, >= 1 s."""
    return max(
        1,
        get_exponential_backoff_interval(
            factor=2, retries=attempt, maximum=MAX_DELAY, full_jitter=True
        ),
    )
