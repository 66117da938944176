"""`clipcart recommend-offline --train TRAIN.csv --out RECS.csv --k K` (API.md)."""

from django.core.management import BaseCommand, CommandError

from clipcart.feed.recsys import LogError
from clipcart.feed.recsys.offline import recommend_offline


class Command(BaseCommand):
    help = "Train the feed's ranking engine on an interaction log and write top-K items per user."

    def add_arguments(self, parser):
        parser.add_argument("--train", required=True, help="CSV: user_id,item_id,timestamp")
        parser.add_argument("--out", required=True, help="CSV written: user_id,item_id,rank")
        parser.add_argument("--k", type=int, required=True, help="Items per user.")

    def handle(self, *args, train: str, out: str, k: int, **options):
        try:
            report = recommend_offline(train=train, out=out, k=k)
        except LogError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{report.rows_written} recommendations for {report.users} users "
            f"({report.items} items, {report.interactions} interactions, "
            f"{report.duplicates_dropped} duplicate rows dropped) in {report.seconds:.1f} s"
        )
