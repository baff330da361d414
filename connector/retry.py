"""The one retry policy of every connector: exponential back-off with jitter on transient failures.

Transient failures (`common.errors.Transient`: connection reset, timeouts, HTTP 429 and 5xx,
SQL Server deadlock victim 1205) are tried again, waiting a random time that grows exponentially,
or as long as the source asked (HTTP Retry-After) when it said. Terminal failures (login failed,
401/403, a missing table, a SOAP fault) and bugs pass at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from tenacity import RetryCallState, retry, retry_if_exception, stop_after_attempt, wait_random_exponential

from common.errors import Transient

T = TypeVar("T")
log = logging.getLogger(__name__)

ATTEMPTS = 6
MAX_WAIT = 60.0


def _is_transient(exc: BaseException) -> bool:
    return isinstance(exc, Transient)


class _Wait:
    """Retry-After when the source gave one (capped), else random exponential back-off."""

    def __init__(self, multiplier: float, max_wait: float) -> None:
        self.backoff = wait_random_exponential(multiplier=multiplier, max=max_wait)
        self.max_wait = max_wait

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        asked = getattr(exc, "retry_after", None)
        if isinstance(asked, int | float):
            return min(float(asked), self.max_wait)
        return float(self.backoff(state))


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome is not None else None
    wait = state.next_action.sleep if state.next_action is not None else 0
    log.warning("attempt %s failed (%s); trying again in %.1f s", state.attempt_number, exc, wait)


def with_retries(
    func: Callable[[], T], *, attempts: int = ATTEMPTS, max_wait: float = MAX_WAIT, multiplier: float = 0.5
) -> T:
    """Call `func`, retrying on `Transient` errors; terminal errors and bugs pass at once."""
    policy = retry(
        retry=retry_if_exception(_is_transient),
        stop=stop_after_attempt(attempts),
        wait=_Wait(multiplier, max_wait),
        before_sleep=_log_retry,
        reraise=True,
    )
    return policy(func)()
