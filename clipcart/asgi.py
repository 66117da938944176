import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipcart.settings")
django_application = get_asgi_application()

from clipcart.media.uploads import BodySizeLimitMiddleware  # noqa: E402  (needs settings loaded)

# Django's ASGI handler spools the whole body before any view runs, so an oversized upload is
# refused here, as the bytes arrive, instead of after 5 GB have been written to a temp file.
application = BodySizeLimitMiddleware(django_application)  # type: ignore[arg-type]

# The For You recommender's libraries (LightGBM, SciPy, faiss, implicit) are loaded now rather
# than on the first feed page, and everything loaded so far is moved out of the garbage
# collector's sight: about 200,000 long-lived objects that every full collection would
# otherwise walk again (100-600 ms pauses under load, BENCHMARKS.md "Feed and events").
import clipcart.feed.foryou.serve  # noqa: E402, F401

gc.freeze()
