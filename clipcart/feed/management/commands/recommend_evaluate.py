"""`clipcart recommend-evaluate --log LOG.csv`: leave-one-out HR/NDCG, engine vs baselines."""

from django.core.management import BaseCommand, CommandError

from clipcart.feed.recsys import LogError
from clipcart.feed.recsys.evaluate import format_table
from clipcart.feed.recsys.offline import evaluate_log


class Command(BaseCommand):
    help = (
        "Hold out each user's latest interaction, train on the rest, rank every item for every "
        "user and print HR@10, NDCG@10, HR@20 and NDCG@20 of the engine and three baselines. "
        "Users with a single interaction are used for training only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--log", required=True, help="CSV: user_id,item_id,timestamp")
        parser.add_argument(
            "--limit-users", type=int, default=None, help="Evaluate a random sample of N users."
        )
        parser.add_argument("--seed", type=int, default=0, help="Sampling and tie-breaking.")

    def handle(self, *args, log: str, limit_users: int | None, seed: int, **options):
        if limit_users is not None and limit_users < 1:
            raise CommandError("--limit-users must be at least 1")
        try:
            data, results = evaluate_log(log=log, limit_users=limit_users, seed=seed)
        except LogError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{len(data)} interactions, {data.n_users} users, {data.n_items} items; "
            f"{results[0].users} users evaluated (leave-one-out, every item ranked)"
        )
        self.stdout.write(format_table(results))
