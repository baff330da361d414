"""The one retry policy: exponential back-off with jitter on transient failures only."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tenacity import retry, retry_if_exception, stop_after_attempt, wait_random_exponential

from profitlens.errors import Transient

T = TypeVar("T")


def with_retries(func: Callable[[], T], *, attempts: int = 4, max_wait: float = 30.0) -> T:
    """Call `func`, retrying on `Transient` errors; terminal errors and bugs pass at once."""
    policy = retry(
        retry=retry_if_exception(lambda exc: isinstance(exc, Transient)),
        stop=stop_after_attempt(attempts),
        wait=wait_random_exponential(multiplier=0.5, max=max_wait),
        reraise=True,
    )
    return policy(func)()
