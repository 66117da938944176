"""Settings for the test suite: the real settings, with TESTING switched on before they load."""

import os

os.environ["CLIPCART_TESTING"] = "1"

from .settings import *  # noqa: F403

WHITENOISE_AUTOREFRESH = True
