"""A task's log asked for just after it started: Ray answers "log_info = None" until the
worker's task event with the output offsets lands, so `LogSource` asks again for a few
seconds, and says what to do when it never comes. A real HTTP server on localhost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tui.core.sources import logs
from tui.core.sources.logs import LogError, LogSource, LogTarget

NOT_YET = ("Could not find log file for task attempt:ab12(0).Worker id = w1, node id = n1,"
           "log_info = None")


class Answers:
    def __init__(self, not_yet: int) -> None:
        self.not_yet = not_yet  # how many times to answer "log_info = None" first
        self.asked = 0


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, Answers]]:
    answers = Answers(request.param)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            answers.asked += 1
            ready = answers.asked > answers.not_yet
            body = b"task line 1\ntask line 2\n" if ready else NOT_YET.encode()
            self.send_response(200 if ready else 500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", answers
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "TASK_LOG_RETRY_S", 0.05)
    monkeypatch.setattr(logs, "TASK_LOG_WAIT_S", 1.0)


@pytest.mark.parametrize("server", [3], indirect=True)
def test_a_task_log_not_recorded_yet_is_asked_again_until_it_is(server: tuple[str, Answers]) -> None:
    url, answers = server
    source = LogSource(url)
    try:
        assert source.read(LogTarget(task_id="ab12")) == "task line 1\ntask line 2\n"
    finally:
        source.close()
    assert answers.asked == 4


@pytest.mark.parametrize("server", [10_000], indirect=True)
def test_a_task_log_that_never_comes_says_what_to_do(server: tuple[str, Answers]) -> None:
    url, answers = server
    source = LogSource(url)
    try:
        with pytest.raises(LogError, match=r"no log yet for task ab12: .*\(--pid with --node\)"):
            source.read(LogTarget(task_id="ab12"))
    finally:
        source.close()
    assert answers.asked > 3


@pytest.mark.parametrize("server", [10_000], indirect=True)
def test_a_pid_log_is_not_asked_again(server: tuple[str, Answers]) -> None:
    url, answers = server
    source = LogSource(url)
    try:
        with pytest.raises(LogError, match="no such log: Could not find"):
            source.read(LogTarget(node_id="n1", pid=7))
    finally:
        source.close()
    assert answers.asked == 1
