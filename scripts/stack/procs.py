"""Background processes, ports and waiting: the plumbing every service uses."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path


def free_port() -> int:
    """A TCP port nothing listens on now, on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name: str, argv: Sequence[str], logs: Path, env: dict[str, str] | None = None) -> int:
    """Starts a daemon in its own session (it outlives this process) and returns its pid."""
    log = open(logs / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps the file open)
    proc = subprocess.Popen(
        list(argv),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    return proc.pid


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM to the process group, SIGKILL after `timeout` seconds."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """The status of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return None


def log_tail(log: Path | None, lines: int = 30) -> str:
    """The last `lines` lines of a service's log, when it has one."""
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def wait_until(ready: Callable[[], bool], seconds: float, failure: str, log: Path | None) -> None:
    """Polls `ready` every 0.2 s for `seconds`; then fails loudly with `failure` and the tail of
    the service's log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    raise SystemExit(f"{failure} within {seconds:.0f} s\n{log_tail(log)}")


def wait_http(url: str, seconds: float, what: str, log: Path | None = None) -> None:
    """Waits until `url` answers 2xx; fails loudly (with the service's log tail) otherwise."""

    def answers() -> bool:
        status = http_status(url)
        return status is not None and 200 <= status < 300

    wait_until(answers, seconds, f"{what} did not become ready at {url}", log)


def podman_run(
    image: str,
    args: Sequence[str],
    *,
    name: str | None = None,
    env: dict[str, str] | None = None,
    volumes: Sequence[str] = (),
    options: Sequence[str] = (),
) -> list[str]:
    """`podman run --rm` of `image`, as the pods' securityContext runs it: the host network (the
    only one allowed here), a read-only root filesystem, no capabilities, no privilege gain."""
    argv = ["podman", "run", "--network", "host", "--read-only", "--cap-drop", "ALL"]
    argv += ["--security-opt", "no-new-privileges", *options]
    if "--detach" not in options:
        argv.append("--rm")
    if name:
        argv += ["--name", name]
    for k, v in (env or {}).items():
        argv += ["--env", f"{k}={v}"]
    for v in volumes:
        argv += ["--volume", v]
    return [*argv, image, *args]


def stop_container(name: str, proc: subprocess.Popen, grace: int = 10) -> None:
    """Stops a `podman run` in the foreground of `proc`: SIGTERM to the podman client does not
    reach a container without a terminal, so the container itself is stopped (SIGTERM, then
    SIGKILL after `grace` seconds), and its client then exits."""
    run(["podman", "stop", "--ignore", "--time", str(grace), name], check=False)
    try:
        proc.wait(timeout=grace + 20)
    except subprocess.TimeoutExpired:
        proc.kill()


def run(argv: Sequence[str], check: bool = True, **kwargs) -> subprocess.CompletedProcess[str]:
    """Runs a command to completion, capturing its output as text."""
    result = subprocess.run(list(argv), capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def wait_port(port: int, seconds: float, what: str, log: Path | None = None) -> None:
    """Waits until something accepts TCP connections on loopback `port`."""

    def accepts() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    wait_until(accepts, seconds, f"{what} did not listen on 127.0.0.1:{port}", log)
