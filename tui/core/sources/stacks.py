"""What a busy worker is doing: its current Python stack.

Two ways, in order:
- the dashboard's `GET /worker/traceback?pid=&node_id=` (any node), which Ray 2.60 serves
  only when the head runs with `RAY_DASHBOARD_ENABLE_PROFILING=1`; asked through
  `GET /api/profiling_enabled` first (`data.profilingEnabled`);
- for a process on this machine, the `py-spy` that `ray[default]` installs next to this
  interpreter, run directly: `py-spy dump --pid PID`.
Otherwise one line saying what to enable and where.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests

from tui.core.auth import auth_headers, read_auth_token
from tui.core.sources.http import DashboardHttp, SourceError
from tui.core.text import first_line

PY_SPY_TIMEOUT_S = 15.0
ENABLE_HINT = ("stacks of processes on other machines need the dashboard's profiling: "
               "start the head with RAY_DASHBOARD_ENABLE_PROFILING=1 in its environment "
               "(e.g. `RAY_DASHBOARD_ENABLE_PROFILING=1 ray start --head`)")
NO_PY_SPY_ON_NODE = ("the node's Ray agent finds no py-spy on its PATH: start Ray from the "
                     "environment that has it (pip install 'ray[default]' puts it beside "
                     "python), or pip install py-spy there")


@dataclass(frozen=True)
class StackResult:
    pid: int
    text: str = ""  # the stack as the tool printed it; "" when there is none
    via: str = ""  # "dashboard" or "py-spy"
    error: str = ""  # one line when there is no stack

    @property
    def ok(self) -> bool:
        return bool(self.text) and not self.error


def py_spy_path() -> Path | None:
    """The py-spy installed with Ray into this interpreter's environment, else on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    if beside.exists():
        return beside
    found = shutil.which("py-spy")
    return Path(found) if found else None


def py_spy_dump(pid: int, timeout_s: float = PY_SPY_TIMEOUT_S) -> StackResult:
    tool = py_spy_path()
    if tool is None:
        return StackResult(pid, error="py-spy is not installed here (pip install 'ray[default]' "
                                      "or pip install py-spy)")
    try:
        done = subprocess.run([str(tool), "dump", "--pid", str(pid)], capture_output=True,
                              text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return StackResult(pid, via="py-spy",
                           error=f"py-spy did not answer within {timeout_s:g} s for pid {pid}")
    except OSError as err:
        return StackResult(pid, via="py-spy", error=f"cannot run py-spy: {err.strerror or err}")
    if done.returncode != 0 or not done.stdout.strip():
        # py-spy words a gone pid as "Failed to get process executable name": ask psutil
        reason = (_py_spy_reason(done.stderr or done.stdout) if _running(pid)
                  else "the process has ended")
        return StackResult(pid, via="py-spy", error=f"py-spy cannot attach to pid {pid}: {reason}")
    return StackResult(pid, text=done.stdout, via="py-spy")


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _py_spy_reason(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    text = " ".join(lines)
    if "Permission denied" in text or "Operation not permitted" in text:
        return ("permission denied: attaching needs ptrace rights (run as the user that runs "
                "Ray, or as root, or set kernel.yama.ptrace_scope=0)")
    if "No such process" in text or "not found" in text.lower() and "process" in text.lower():
        return "the process has ended"
    error = next((line for line in lines if line.startswith("Error:")), lines[0] if lines else "")
    return error.removeprefix("Error:").strip() or "no reason given"


def profiling_enabled(http: DashboardHttp) -> bool:
    data = http.get("/api/profiling_enabled")
    return bool(data.get("profilingEnabled")) if isinstance(data, dict) else False


def dashboard_traceback(http: DashboardHttp, pid: int, node_id: str) -> StackResult:
    url = f"{http.base_url}/worker/traceback"
    try:
        response = requests.get(url, params={"pid": str(pid), "node_id": node_id},
                                headers=auth_headers(read_auth_token()),
                                timeout=http.timeout_s + 10)
    except requests.RequestException as err:
        return StackResult(pid, via="dashboard",
                           error=f"/worker/traceback: dashboard unreachable ({type(err).__name__})")
    if "py-spy is not installed" in response.text:  # Ray's agent looks on its PATH only
        return StackResult(pid, via="dashboard", error=NO_PY_SPY_ON_NODE)
    if response.status_code != 200 or not response.text.strip():
        return StackResult(pid, via="dashboard", error=f"/worker/traceback: HTTP "
                           f"{response.status_code}: {first_line(response.text, 200) or 'empty'}")
    return StackResult(pid, text=response.text, via="dashboard")


def stack_of(http: DashboardHttp | None, pid: int, node_id: str, local: bool) -> StackResult:
    """The stack by the best way there is for this process (see the module docstring)."""
    dashboard_error = ""
    if http is not None:
        try:
            enabled = profiling_enabled(http)
        except SourceError as err:
            enabled, dashboard_error = False, str(err)
        if enabled:
            result = dashboard_traceback(http, pid, node_id)
            if result.ok or not local:
                return result
            dashboard_error = result.error
    if local:
        return py_spy_dump(pid)
    return StackResult(pid, error=dashboard_error or ENABLE_HINT)


_FRAME = re.compile(r"^\s+(?P<function>[\w.<>]+) \((?P<where>[^)]*)\)\s*$")


def frame_function(line: str) -> str | None:
    """The function a py-spy frame line names (`    busy (work.py:12)` → `busy`)."""
    match = _FRAME.match(line)
    return match.group("function") if match else None


def highlighted_lines(text: str, function: str) -> list[int]:
    """Indexes of the stack lines in `function` (the task's own function, not Ray's)."""
    name = function.rsplit(".", 1)[-1].strip()
    if not name:
        return []
    found = []
    for index, line in enumerate(text.splitlines()):
        frame = frame_function(line)
        if frame is not None and frame.rsplit(".", 1)[-1] == name:
            found.append(index)
        elif frame is None and re.search(rf"\bin {re.escape(name)}\b", line):
            found.append(index)  # a Python traceback's `File "...", line N, in name`
    return found
