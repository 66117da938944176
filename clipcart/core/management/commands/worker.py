import sys

from django.core.management import BaseCommand

from clipcart.celery import app


class Command(BaseCommand):
    help = "Run a Celery worker."

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args, concurrency: int, **options):
        app.worker_main(["worker", f"--concurrency={concurrency}", "--loglevel=INFO"])
        sys.exit(0)
