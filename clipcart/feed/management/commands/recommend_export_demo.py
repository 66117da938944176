"""`clipcart recommend-export-demo --out FILE.csv`: the feed's event log as an interaction log.

Read-only: one row per engaged event (watch progress, completion, like, share, anchor click,
add to cart, purchase) about a video, as `user_id,item_id,timestamp` with the actor ("u:<id>"
or "s:<session>") as the user and the video id as the item. Impressions are not engagement and
"not interested" is the opposite of it, so both are left out.
"""

from collections.abc import Iterator

from django.core.management import BaseCommand, CommandError

from clipcart.feed.foryou.profile import ENGAGED
from clipcart.feed.models import Event
from clipcart.feed.recsys import write_log


def engaged_rows() -> Iterator[tuple[str, str, int]]:
    events = (
        Event.objects.filter(type__in=ENGAGED, video_id__isnull=False)
        .order_by("ts", "id")
        .values_list("actor", "video_id", "ts")
    )
    for actor, video_id, ts in events.iterator(chunk_size=5000):
        yield actor, str(video_id), int(ts.timestamp())


class Command(BaseCommand):
    help = "Write the feed's engaged events as a user_id,item_id,timestamp interaction log."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="CSV file to write.")

    def handle(self, *args, out: str, **options):
        try:
            count = write_log(out, engaged_rows())
        except OSError as error:
            raise CommandError(f"{out}: {error.strerror}") from None
        self.stdout.write(f"{count} interactions written to {out}")
