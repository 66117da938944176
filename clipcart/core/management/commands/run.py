"""`clipcart run`: the whole embedded instance in one terminal; Ctrl-C stops all of it."""

import os
import sys

from django.conf import settings
from django.core.management import BaseCommand, call_command
from honcho.manager import Manager


class Command(BaseCommand):
    help = "Migrate, optionally seed demo data, and run the web server, a worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Seed demo data if empty.")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, demo: bool, host: str, port: int, no_worker: bool, **options):
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if demo:
            call_command("seed", demo=True, if_empty=True)
        python = sys.executable
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        manager = Manager()
        manager.add_process(
            "web",
            f"{python} -m uvicorn clipcart.asgi:application --host {host} --port {port} "
            "--no-access-log",
            env=env,
        )
        if not no_worker:
            manager.add_process(
                "worker",
                f"{python} -m celery -A clipcart --quiet worker --pool=threads "
                "--concurrency=2 --loglevel=WARNING",
                env=env,
            )
            manager.add_process(
                "beat", f"{python} -m celery -A clipcart --quiet beat --loglevel=WARNING", env=env
            )
        self.stdout.write(
            self.style.SUCCESS(f"Clipcart is at http://{host}:{port}/  (Ctrl-C stops)")
        )
        manager.loop()
        sys.exit(manager.returncode)
