from django.core.management import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Build the deterministic demo world."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true")
        parser.add_argument("--if-empty", action="store_true")

    def handle(self, *args, **options):
        raise CommandError("not built yet")
