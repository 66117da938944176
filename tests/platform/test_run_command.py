"""`clipcart run` starts the web server, a Celery worker and beat with no external servers, and
Ctrl-C stops all of them."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

SEED_EXPIRED_HOLD = """
from datetime import timedelta
from django.utils import timezone
from clipcart.accounts.models import User
from clipcart.catalog import services
from clipcart.inventory import services as inventory
owner = User.objects.create_user("owner", "owner@example.com", "pass-phrase-123")
shop = services.create_shop(owner=owner, name="Runner shop")
product = services.create_product(shop=shop, title="Kettle", price="30.00", currency="USD", stock=5)
variant = product.variants.get()
expired = timezone.now() - timedelta(minutes=1)
inventory.reserve(takes=[inventory.Take(variant.pk, 2)], expires_at=expired)
"""
ENQUEUE = "from clipcart.inventory.tasks import release_expired_reservations as t; t.delay()"
HELD = (
    "from clipcart.inventory.models import Reservation; "
    "print(Reservation.objects.filter(status='held').count())"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def embedded_env(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "CLIPCART_TESTING",
            "DJANGO_SETTINGS_MODULE",
            "CELERY_BROKER_URL",
        }
        and not k.startswith("PYTEST")
    }
    return {**env, "CLIPCART_VAR_DIR": str(tmp_path / "var"), "MEDIA_ROOT": str(tmp_path / "m")}


def clipcart(env, *args, timeout=120) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "clipcart.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def processes_of(env: dict) -> list[int]:
    """Every live process started with this test's var dir: the supervisor and its children
    (honcho gives each child its own session, so a process group would miss them)."""
    marker = f"CLIPCART_VAR_DIR={env['CLIPCART_VAR_DIR']}".encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if marker in handle.read().split(b"\0"):
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


def test_run_serves_web_runs_background_jobs_and_stops_together_on_ctrl_c(embedded_env):
    clipcart(embedded_env, "migrate")
    clipcart(embedded_env, "shell", "-c", SEED_EXPIRED_HOLD)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "clipcart.cli", "run", "--port", str(port)],
        env=embedded_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert wait_until(lambda: answers(f"http://127.0.0.1:{port}/api/v1/products"), 60)
        assert len(processes_of(embedded_env)) >= 4  # supervisor, web, worker, beat
        clipcart(embedded_env, "shell", "-c", ENQUEUE)
        released = wait_until(
            lambda: clipcart(embedded_env, "shell", "-c", HELD).split()[-1] == "0", 60
        )
        assert released, "the worker did not run the task sent through the embedded broker"

        process.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal delivers
        process.wait(timeout=30)
        assert wait_until(lambda: not processes_of(embedded_env), 15), "a child outlived Ctrl-C"
    finally:
        for pid in processes_of(embedded_env):
            os.kill(pid, signal.SIGKILL)
    output = process.stdout.read() if process.stdout else ""
    assert "Clipcart is at" in output


def test_a_job_can_be_queued_before_any_worker_has_ever_started(embedded_env, tmp_path):
    clipcart(embedded_env, "migrate")
    clipcart(embedded_env, "shell", "-c", ENQUEUE)
    queued = list((tmp_path / "var" / "celery" / "queue").glob("*.msg"))
    assert len(queued) == 1
