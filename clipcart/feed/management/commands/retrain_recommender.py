"""`clipcart retrain-recommender`: train the For You model now, as the beat task does every
CLIPCART_RETRAIN_SECONDS, and say what it learned."""

from django.core.management import BaseCommand

from clipcart.feed.foryou import training
from clipcart.feed.models import RankerModel


class Command(BaseCommand):
    help = "Retrain the For You model from the event log (consenting adults' events only)."

    def handle(self, *args, **options):
        model_id = training.retrain()
        if model_id is None:
            self.stdout.write("Nothing to learn from yet: no events of consenting adults.")
            return
        model = RankerModel.objects.get(pk=model_id)
        summary = model.summary
        self.stdout.write(
            f"Model {model.pk}: {model.events} events, {model.items} videos, "
            f"{summary.get('labelled_impressions', 0)} labelled impressions, "
            f"outcomes learned: {', '.join(summary.get('learned', [])) or 'none'}, "
            f"in {model.seconds:.1f} s."
        )
