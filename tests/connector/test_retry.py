"""The one retry policy: transient failures are tried again (as long as the source asks), terminal ones not."""

from __future__ import annotations

from concurrent.futures import Future

import pytest
from tenacity import RetryCallState, Retrying

from common.errors import AuthError, SourceUnavailable
from connector.retry import _Wait, with_retries


def test_transient_failures_are_tried_again_until_it_works() -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise SourceUnavailable("deadlock victim (1205)")
        return "rows"

    assert with_retries(flaky, multiplier=0.001, max_wait=0.01) == "rows"
    assert len(calls) == 3


def test_terminal_failures_fail_at_once() -> None:
    calls: list[int] = []

    def refused() -> None:
        calls.append(1)
        raise AuthError("login failed")

    with pytest.raises(AuthError):
        with_retries(refused, multiplier=0.001, max_wait=0.01)
    assert len(calls) == 1


def state_after(exc: BaseException, attempt: int = 1) -> RetryCallState:
    state = RetryCallState(Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    outcome: Future[None] = Future()
    outcome.set_exception(exc)
    state.outcome = outcome
    return state


def test_the_wait_is_what_retry_after_asked_for_capped() -> None:
    wait = _Wait(multiplier=0.5, max_wait=60)
    asked = SourceUnavailable("HTTP 429")
    asked.retry_after = 7
    assert wait(state_after(asked)) == 7
    asked.retry_after = 3600
    assert wait(state_after(asked)) == 60  # a source asking for an hour gets our cap


def test_without_retry_after_the_wait_grows_exponentially_with_jitter() -> None:
    wait = _Wait(multiplier=0.5, max_wait=60)
    waits = [wait(state_after(SourceUnavailable("HTTP 503"), attempt)) for attempt in (1, 6)]
    assert 0 <= waits[0] <= 1.0  # 0.5 × 2^1
    assert 0 <= waits[1] <= 32.0  # 0.5 × 2^6
