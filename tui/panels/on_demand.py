"""A tab whose data is not in the Snapshot: asked only while it is shown, at most every
`refresh_s`, in a thread worker, one question at a time.

The Errors and Jobs tabs are two: Ray's `detail=true` lists and the jobs API are too
big or too slow to ask on every poll. A subclass draws (`_draw`) the last answer
(`answer`) with the view's filter, and says when asking failed (`failure`, one line).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

from textual import work
from textual.containers import Vertical

from tui.core.model import Snapshot
from tui.core.text import error_line
from tui.panels.view import ViewState

T = TypeVar("T")


class OnDemandPanel(Vertical, Generic[T]):
    APP_FETCH = ""  # the app's method that asks, when no fetch is given (it knows the cluster)

    def __init__(self, fetch: Callable[[], T] | None, refresh_s: float,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._fetch = fetch
        self.refresh_s = refresh_s
        self.answer: T | None = None  # the last answer that arrived
        self.fetches = 0
        self.failure = ""  # the last fetch's error, one line
        self._asked_at = 0.0
        self._in_flight = False
        self._view = ViewState()

    def show(self, snapshot: Snapshot, view: ViewState) -> None:
        """Draw the last answer with this filter; ask again when it is older than refresh_s."""
        self._view = view
        self._draw()
        self.refresh_if_due()

    def _draw(self) -> None:
        raise NotImplementedError

    def _fetcher(self) -> Callable[[], T] | None:
        fetch: Callable[[], T] | None = self._fetch or getattr(self.app, self.APP_FETCH, None)
        return fetch

    def refresh_if_due(self, force: bool = False) -> None:
        fetch = self._fetcher()
        if fetch is None or self._in_flight:
            return
        if force or time.monotonic() - self._asked_at >= self.refresh_s:
            self._in_flight = True
            self._asked_at = time.monotonic()
            self._load(fetch)

    @work(thread=True, exclusive=True, group="on-demand-fetch")  # a group per panel
    def _load(self, fetch: Callable[[], T]) -> None:
        try:
            answer, failure = fetch(), ""
        except Exception as err:  # the tab says so in one line; the app keeps running
            answer, failure = None, error_line(err)
        self.app.call_from_thread(self._arrived, answer, failure)

    def _arrived(self, answer: T | None, failure: str) -> None:
        self._in_flight = False
        self.fetches += 1
        self.failure = failure
        if answer is not None:
            self.answer = answer
        if self.is_mounted:
            self._draw()
