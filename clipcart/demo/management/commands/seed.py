"""`clipcart seed --demo`: builds the deterministic demo world (see clipcart/demo/world.py)."""

from django.core.management import BaseCommand, CommandError

from clipcart.core.errors import DomainError
from clipcart.demo import services


class Command(BaseCommand):
    help = "Build the deterministic demo world: shops, products, people, orders and videos."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Build the demo world.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the database has shops."
        )
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Size of the world (1.0: ~500 products)."
        )

    def handle(self, *args, demo: bool, if_empty: bool, scale: float, verbosity: int, **options):
        if not demo:
            raise CommandError("Nothing to seed: pass --demo.")
        if if_empty and services.demo_present():
            self.stdout.write("demo data already present")
        else:
            try:
                report = services.seed_demo(scale=scale, progress=verbosity > 0)
            except DomainError as error:
                raise CommandError(error.message) from None
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo world built in {report.seconds:.1f} s: {report.shops} shops, "
                    f"{report.products} products, {report.images} images, "
                    f"{report.people} people, {report.orders} orders, "
                    f"{report.videos} videos ({report.video_bytes / 1e6:.1f} MB), "
                    f"{report.follows} follows, {report.likes} likes, "
                    f"{report.comments} comments, {report.events} feed events."
                )
            )
        self._print_logins()

    def _print_logins(self) -> None:
        logins = services.demo_logins()
        if not logins:
            return
        self.stdout.write(f'\nDemo logins (password for all: "{services.DEMO_PASSWORD}"):')
        for username, about in logins:
            self.stdout.write(f"  {username:<9} {about}")
