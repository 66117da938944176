"""Pieces every Clipcart benchmark needs: a scratch PostgreSQL database, a production-style
server in a subprocess, hard time limits, CPU accounting and the machine's description.

Nothing here knows about flash sales; `flash_sale.py` (and later benchmarks) compose it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"  # git-ignored
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class PhaseTimeout(Exception):
    pass


# --- Time limits ---------------------------------------------------------------------------------


@contextlib.contextmanager
def time_limit(seconds: float, phase: str) -> Iterator[None]:
    """Raises PhaseTimeout in the main thread if the block runs longer than `seconds`.

    For synchronous phases (setup, verification); asyncio phases use `asyncio.wait_for`.
    """

    def expire(_signum, _frame):
        raise PhaseTimeout(f"{phase} took longer than {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def interrupt_on_signals() -> None:
    """Ctrl-C and `kill <pid>` both unwind as KeyboardInterrupt, so every `finally` (server
    shutdown) runs; set explicitly because a shell starts background jobs with SIGINT ignored."""

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


# --- Database ------------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise SystemExit(f"refusing to recreate database {name!r}: use a plain scratch name")
    return name


def recreate_database(url: str) -> None:
    """Drops (disconnecting its users) and creates the database named in `url`."""
    name = database_name(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def run_command(args: list[str], *, env: dict[str, str], timeout: float, phase: str) -> None:
    try:
        done = subprocess.run(
            args, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise PhaseTimeout(f"{phase} took longer than {timeout:.0f} s") from None
    if done.returncode != 0:
        raise RuntimeError(f"{phase} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


# --- The server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(
    *, database_url: str, pool_size: int, conn_max_age: int = 0, redis_url: str = ""
) -> dict[str, str]:
    """The environment of a production deployment: DEBUG off, a real secret, PostgreSQL."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="clipcart.settings",
        DATABASE_URL=database_url,
        DATABASE_POOL_MAX_SIZE=str(pool_size),
        DATABASE_CONN_MAX_AGE=str(conn_max_age),
        SECRET_KEY=secrets.token_urlsafe(48),
        DEBUG="false",
        CLIPCART_TESTING="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


SERVERS = ("gunicorn-uvicorn", "uvicorn", "gunicorn-wsgi")


def server_command(kind: str, *, port: int, workers: int, threads: int) -> list[str]:
    """`gunicorn-uvicorn`: gunicorn supervising uvicorn ASGI workers (the documented default);
    `uvicorn`: uvicorn's own multi-process mode; `gunicorn-wsgi`: threaded WSGI workers."""
    bind = f"127.0.0.1:{port}"
    gunicorn = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", bind]
    gunicorn += ["--log-level", "warning", "--graceful-timeout", "10", "--keep-alive", "30"]
    if kind == "gunicorn-uvicorn":
        return [*gunicorn, "-k", "uvicorn.workers.UvicornWorker", "clipcart.asgi:application"]
    if kind == "gunicorn-wsgi":
        return [*gunicorn, "-k", "gthread", "--threads", str(threads), "clipcart.wsgi:application"]
    if kind == "uvicorn":
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "clipcart.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
            "--timeout-keep-alive",
            "30",
        ]
    raise ValueError(kind)


@dataclass
class Server:
    """A server subprocess in its own session, so Ctrl-C reaches us first and we stop it."""

    process: subprocess.Popen
    base_url: str
    log_path: Path

    @classmethod
    def start(cls, command: list[str], *, env: dict[str, str], port: int, log_path: Path):
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return cls(process=process, base_url=f"http://127.0.0.1:{port}", log_path=log_path)

    def wait_ready(self, path: str, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}):\n{self.log()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.base_url + path, timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise PhaseTimeout(f"the server was not ready after {timeout:.0f} s:\n{self.log()}")

    def log(self, tail: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-tail:]

    def stop(self, *, timeout: float = 15) -> None:
        """SIGTERM (graceful), then SIGKILL to the whole process group if it lingers."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


# --- A light HTTP client --------------------------------------------------------------------------


class HttpConnection:
    """One keep-alive HTTP/1.1 connection driven by asyncio streams, for load generators.

    The load generator shares the CPU with the server, so its cost per request matters: httpx
    spends 1.4-3 ms of CPU a request on this machine, this about a tenth of that. It speaks
    only what a local Django server answers: Content-Length or chunked bodies, no pipelining.
    """

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, target: str, *, headers: bytes = b"", body: bytes = b""
    ) -> tuple[int, bytes]:
        """(status, body); a broken connection is closed and the error raised (OSError or
        asyncio.IncompleteReadError), and the next request opens a new one."""
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            assert self.reader is not None
            head = f"{method} {target} HTTP/1.1\r\nHost: {self.host}\r\n".encode() + headers
            if body:
                head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
            self.writer.write(head + b"\r\n" + body)
            raw = await self.reader.readuntil(b"\r\n\r\n")
            lines = raw.split(b"\r\n")
            status = int(lines[0].split(b" ", 2)[1])
            fields = dict(
                (name.strip().lower(), value.strip())
                for name, _, value in (line.partition(b":") for line in lines[1:] if line)
            )
            if fields.get(b"transfer-encoding", b"").lower() == b"chunked":
                content = await self._chunked()
            else:
                content = await self.reader.readexactly(int(fields.get(b"content-length", 0)))
            if fields.get(b"connection", b"").lower() == b"close":
                await self.close()
            return status, content
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            await self.close()
            raise

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")  # no trailers from Django
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size + 2))
            parts[-1] = parts[-1][:-2]

    async def close(self) -> None:
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


# --- CPU accounting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proc:
    ppid: int
    cpu: float  # user + system seconds, all threads
    reaped: float  # the same for its children that have exited
    cmdline: str


def processes() -> dict[int, Proc]:
    """Every live process (Linux /proc)."""
    found: dict[int, Proc] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # the fields after "pid (comm)"
        cpu, reaped = [(int(fields[i]) + int(fields[i + 1])) / CLOCK_TICKS for i in (11, 13)]
        found[int(entry.name)] = Proc(int(fields[1]), cpu, reaped, cmdline)
    return found


def descendants(root: int, procs: dict[int, Proc]) -> set[int]:
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, p in procs.items() if p.ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return tree


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


def busy_fraction(seconds: float = 1.0) -> float:
    """How busy the whole machine is over the next `seconds` (0..1)."""
    busy0, total0 = machine_cpu_seconds()
    time.sleep(seconds)
    busy1, total1 = machine_cpu_seconds()
    return (busy1 - busy0) / max(total1 - total0, 1e-9)


def wait_until_quiet(*, below: float, timeout: float) -> float:
    """Waits (up to `timeout`) for a one-second window with the machine under `below` busy,
    so that another program's burst does not land in a measurement. Returns the last load."""
    deadline = time.monotonic() + timeout
    load = busy_fraction()
    while load >= below and time.monotonic() < deadline:
        load = busy_fraction()
    return load


class CpuMeter:
    """Who used the CPU during a phase: this process (the load generator), the server's
    processes, PostgreSQL (backends of the bench database and the WAL writer, checkpointer and
    background writer), and everyone else.

    A backend that exits during the phase (one per request when connections are not kept) is
    counted through the postmaster's reaped-children time, as `postgres_exited` (any
    database); whatever else started and ended inside the phase is `unattributed`.
    """

    def __init__(self, *, server_pid: int | None, database: str):
        self.server_pid = server_pid
        self.database = database

    def _category(self, pid: int, proc: Proc, server: set[int]) -> str:
        if pid == os.getpid():
            return "client"
        if pid in server:
            return "server"
        if proc.cmdline.startswith("postgres: ") and (
            f" {self.database} " in proc.cmdline
            or proc.cmdline.rstrip().endswith(("walwriter", "checkpointer", "background writer"))
        ):
            return "postgres"
        return "others"

    def __enter__(self) -> CpuMeter:
        self.before = processes()
        self.machine_before = machine_cpu_seconds()
        return self

    def __exit__(self, *exc) -> None:
        busy0, total0 = self.machine_before
        busy1, total1 = machine_cpu_seconds()
        after = processes()
        server = descendants(self.server_pid, after) if self.server_pid else set()
        used = dict.fromkeys(("client", "server", "postgres", "postgres_exited", "others"), 0.0)
        for pid, proc in after.items():
            earlier = self.before.get(pid)
            same = earlier is not None and earlier.cmdline == proc.cmdline
            used[self._category(pid, proc, server)] += proc.cpu - (earlier.cpu if same else 0.0)
            if same and proc.cmdline.split(" ")[0].endswith("/bin/postgres"):  # the postmaster
                used["postgres_exited"] += proc.reaped - earlier.reaped
        self.busy, self.capacity = busy1 - busy0, total1 - total0
        self.used = used

    def summary(self) -> dict[str, float]:
        result = {f"{name}_cpu_s": round(value, 2) for name, value in self.used.items()}
        result["unattributed_cpu_s"] = round(max(0.0, self.busy - sum(self.used.values())), 2)
        result["machine_busy_pct"] = round(100 * self.busy / max(self.capacity, 1e-9), 1)
        return result


# --- Numbers and the machine ---------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation), 0 for an empty list."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil(n * pct / 100)
    return ordered[int(rank) - 1]


def machine() -> dict[str, str]:
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    try:
        psql = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        psql = "psql not found"
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu_model,
        "ram_gib": f"{mem_kb / 1024**2:.1f}",
        "psql": psql,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }
