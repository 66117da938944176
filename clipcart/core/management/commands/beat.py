from django.core.management import BaseCommand

from clipcart.celery import app


class Command(BaseCommand):
    help = "Run Celery beat, which schedules the periodic tasks."

    def handle(self, *args, **options):
        app.start(["beat", "--loglevel=INFO"])
