"""Settings for the test suite: the real settings, with TESTING switched on before they load."""

import os

os.environ["CLIPCART_TESTING"] = "1"

from . import settings as _base
from .settings import *  # noqa: F403

WHITENOISE_AUTOREFRESH = True

# Parallel test workers must not flush each other's Redis data (the cache's rate-limit
# counters, the feed's recent histories and live counters): each xdist worker gets its own
# Redis database, which the per-test cache clearing empties.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
if _base.REDIS_URL and _worker.isdigit():
    REDIS_URL = _base.REDIS_URL.rsplit("/", 1)[0] + f"/{1 + int(_worker)}"
    CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405

# Most tests are about plans, not audiences: any creator may join open plans unless a test
# sets the minimum back (tests/affiliate/test_plans.py checks the instance setting).
CLIPCART_AFFILIATE_MIN_FOLLOWERS = 0
