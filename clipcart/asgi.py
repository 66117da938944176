import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clipcart.settings")
django_application = get_asgi_application()

from clipcart.media.uploads import BodySizeLimitMiddleware  # noqa: E402  (needs settings loaded)

# Django's ASGI handler spools the whole body before any view runs, so an oversized upload is
# refused here, as the bytes arrive, instead of after 5 GB have been written to a temp file.
application = BodySizeLimitMiddleware(django_application)  # type: ignore[arg-type]
