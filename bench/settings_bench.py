"""Settings of the server that `bench/feed.py` starts: production settings (from the
environment, as always) with one change, the URLconf of `bench/feed_urls.py`, which adds the
one-query baseline view next to every normal URL."""

from clipcart.settings import *  # noqa: F403

ROOT_URLCONF = "bench.feed_urls"
