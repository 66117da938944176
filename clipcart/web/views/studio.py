"""The creator studio: upload a video or a photo post with tagged products, watch it process,
edit or delete it. Anyone signed in may post: the media service grants the creator role.

A post's products come from a picker (search, then "Add"): each chosen product is a row of
parallel inputs `anchor_product`, `anchor_start`, `anchor_end`; links to other stores are rows
of `link_url`, `link_title`. The media service numbers the anchors products first, then links,
and blames `anchors.N.*`; `AnchorRows` puts that error back on row N.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clipcart.catalog import selectors as catalog_selectors
from clipcart.catalog.search import MAX_QUERY_LENGTH
from clipcart.core.errors import DomainError
from clipcart.media import selectors as media_selectors
from clipcart.media import services as media_services
from clipcart.media import uploads as media_uploads
from clipcart.media.models import Post
from clipcart.media.services import AnchorSpec
from clipcart.web.forms import MultipleImageInput, ServiceForm

from .creators import tile
from .support import htmx_redirect, shows_domain_errors

PICKER_RESULTS = 8
LINK_ROWS = 2
PAID_PARTNERSHIP_HELP = (
    "A brand paid you or gave you something for this post: viewers see a “Paid partnership” "
    "label on it."
)


# --- Anchors: the products and links of a post ---------------------------------------------------


@dataclass
class ProductRow:
    product_id: str
    card: Any = None  # the catalog product card; None when it cannot be tagged (draft, missing)
    start: str = ""
    end: str = ""
    error: str = ""


@dataclass
class LinkRow:
    url: str = ""
    title: str = ""
    error: str = ""

    @property
    def is_blank(self) -> bool:
        return not self.url.strip() and not self.title.strip()


@dataclass
class AnchorRows:
    products: list[ProductRow] = field(default_factory=list)
    links: list[LinkRow] = field(default_factory=list)
    error: str = ""  # about the products as a whole: too many, one that cannot be tagged
    # The row each AnchorSpec came from, in the order the service numbers them.
    sources: list[ProductRow | LinkRow] = field(default_factory=list, init=False, repr=False)

    @classmethod
    def from_post(cls, data: QueryDict) -> AnchorRows:
        starts, ends = data.getlist("anchor_start"), data.getlist("anchor_end")
        products = [
            ProductRow(product_id=pid.strip(), start=start.strip(), end=end.strip())
            for pid, start, end in zip_longest(
                data.getlist("anchor_product"), starts, ends, fillvalue=""
            )
            if pid.strip()
        ]
        links = [
            LinkRow(url=url.strip(), title=title.strip())
            for url, title in zip_longest(
                data.getlist("link_url"), data.getlist("link_title"), fillvalue=""
            )
        ]
        return cls(products=products, links=links)._with_cards()

    @classmethod
    def from_anchors(cls, anchors) -> AnchorRows:
        rows = cls()
        for anchor in anchors:
            if anchor.product_id:
                rows.products.append(
                    ProductRow(
                        product_id=str(anchor.product_id),
                        start=_seconds(anchor.start_ms),
                        end=_seconds(anchor.end_ms),
                    )
                )
            else:
                rows.links.append(LinkRow(url=anchor.external_url, title=anchor.external_title))
        return rows._with_cards()

    def _with_cards(self) -> AnchorRows:
        ids = {row.product_id: _as_id(row.product_id) for row in self.products}
        cards = catalog_selectors.product_cards(pk for pk in ids.values() if pk)
        for row in self.products:
            row.card = cards.get(ids[row.product_id] or 0)
        return self

    @property
    def has_errors(self) -> bool:
        rows: list[ProductRow | LinkRow] = [*self.products, *self.links]
        return bool(self.error) or any(row.error for row in rows)

    @property
    def link_rows(self) -> list[LinkRow]:
        """The links given, and blank rows to add more."""
        filled = [row for row in self.links if not row.is_blank]
        return filled + [LinkRow() for _ in range(max(1, LINK_ROWS - len(filled)))]

    def specs(self, *, with_times: bool) -> list[AnchorSpec]:
        """What the media service takes. Times only count for videos: a photo post shows its
        products the whole time, so times left in the hidden inputs are ignored."""
        links = [link for link in self.links if not link.is_blank]
        self.sources = [*self.products, *links]
        ids = media_services.parse_product_ids([row.product_id for row in self.products])
        specs = []
        for index, (row, product_id) in enumerate(zip(self.products, ids, strict=True)):
            start = end = None
            if with_times:
                start = media_services.parse_seconds(row.start, field=f"anchors.{index}.start")
                end = media_services.parse_seconds(row.end, field=f"anchors.{index}.end")
            specs.append(AnchorSpec(product_id=product_id, start_ms=start, end_ms=end))
        return specs + [AnchorSpec(url=link.url, title=link.title) for link in links]

    def show_error(self, error: DomainError) -> bool:
        """Puts an error about the anchors next to the row (or the picker) it blames; False
        when the error is about something else."""
        name = error.field or ""
        if name == "product_ids":
            self.error = error.message
            return True
        parts = name.split(".")
        if parts[0] != "anchors" or len(parts) < 2 or not parts[1].isdigit():
            return False
        index = int(parts[1])
        if index >= len(self.sources):
            return False
        self.sources[index].error = error.message
        return True


def _as_id(text: str) -> int | None:
    # Only to look up what to show: parse_product_ids judges the input when the form is sent.
    return int(text) if text.isdigit() and len(text) <= 18 else None


def _seconds(ms: int | None) -> str:
    return "" if ms is None else f"{ms / 1000:g}"


# --- Forms --------------------------------------------------------------------------------------


class PhotoFilesField(forms.FileField):
    """The files of one `<input type=file multiple>`; the media service checks each photo."""

    widget = MultipleImageInput(attrs={"accept": "image/*"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotoFilesField, self).clean(file, initial) for file in files]


class PostForm(ServiceForm):
    """What a creator can say about a post, upload or edit; the anchors travel alongside."""

    caption = forms.CharField(
        required=False,
        max_length=media_services.CAPTION_MAX,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "Say something about it… #hashtags work here too"}
        ),
    )
    hashtags = forms.CharField(
        required=False,
        max_length=1000,
        help_text="Separated by spaces, like #skincare #glowup.",
        widget=forms.TextInput(attrs={"placeholder": "#skincare #glowup", "autocomplete": "off"}),
    )
    is_paid_partnership = forms.BooleanField(
        required=False, label="Paid partnership", help_text=PAID_PARTNERSHIP_HELP
    )

    def __init__(self, *args, anchors: AnchorRows, **kwargs):
        super().__init__(*args, **kwargs)
        self.anchors = anchors

    def show_error(self, error: DomainError) -> None:
        if self.anchors.show_error(error):
            self.status = error.status
            return
        super().show_error(error)

    def refuse(self, error: DomainError) -> None:
        """Shows `error` on a form that was never bound: the request's body was not read."""
        self.cleaned_data = {}
        self.show_error(error)


class UploadForm(PostForm):
    kind = forms.ChoiceField(
        label="Post",
        choices=[(Post.Kind.VIDEO, "Video"), (Post.Kind.PHOTO, "Photos")],
        initial=Post.Kind.VIDEO,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label="Video",
        required=False,
        widget=forms.FileInput(attrs={"accept": "video/*"}),
    )
    images = PhotoFilesField(label="Photos", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        minutes = settings.CLIPCART_MAX_VIDEO_SECONDS / 60
        self.fields["file"].help_text = f"MP4, MOV or WebM, up to {minutes:g} minutes."
        self.fields["images"].help_text = (
            f"1 to {settings.CLIPCART_MAX_PHOTOS} photos (JPEG, PNG or WebP), shown in the "
            "order you pick them."
        )

    def clean(self):
        data = super().clean() or {}
        if data.get("kind") == Post.Kind.VIDEO and not data.get("file"):
            self.add_error("file", "Choose a video to upload.")
        return data


# --- Pages --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudioRow:
    post: Post
    cover: str | None
    photo_count: int
    length: str  # "0:42"; empty until a video is probed


def _row(post: Post) -> StudioRow:
    shown = tile(post)
    seconds = round((post.duration_ms or 0) / 1000)
    length = f"{seconds // 60}:{seconds % 60:02}" if post.duration_ms else ""
    return StudioRow(post, shown.cover, shown.photo_count, length)


@login_required
@shows_domain_errors
def studio(request: HttpRequest) -> HttpResponse:
    """The creator's posts with their status. While one is processing the list reloads itself
    (htmx polls this view, which then answers with the list alone)."""
    page = media_selectors.studio_posts(
        creator_id=request.user.pk,  # type: ignore[arg-type]  # signed in: has a pk
        cursor=request.GET.get("cursor") or None,
    )
    context = {
        "page": page,
        "rows": [_row(post) for post in page.items],
        "processing": any(post.status == Post.Status.PROCESSING for post in page.items),
    }
    template = "web/studio/_posts.html" if request.htmx else "web/studio/studio.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _create_post(user, data: dict, anchors: AnchorRows) -> Post:
    is_video = data["kind"] == Post.Kind.VIDEO
    common: dict[str, Any] = {
        "creator": user,
        "caption": data["caption"],
        "hashtags": data["hashtags"],
        "anchors": anchors.specs(with_times=is_video),
        "is_paid_partnership": data["is_paid_partnership"],
    }
    if is_video:
        return media_services.create_video_post(upload=data["file"], **common)
    return media_services.create_photo_post(uploads=data["images"], **common)


def _upload_page(request: HttpRequest, form: UploadForm) -> HttpResponse:
    context = {"form": form, "max_anchors": media_services.MAX_ANCHORS}
    return render(request, "web/studio/upload.html", context, status=form.status)


@login_required
@shows_domain_errors
def upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _upload_page(request, UploadForm(anchors=AnchorRows()))
    try:
        # Before request.POST or FILES: a body over the limit must not be read at all.
        media_uploads.check_upload_size(request)
    except DomainError as error:
        form = UploadForm(anchors=AnchorRows())
        form.refuse(error)
        return _upload_page(request, form)
    form = UploadForm(request.POST, request.FILES, anchors=AnchorRows.from_post(request.POST))
    if not form.submit(lambda data: _create_post(request.user, data, form.anchors)):
        return _upload_page(request, form)
    messages.success(request, "Uploaded — processing")
    return htmx_redirect(request, reverse("web:studio")) or redirect("web:studio")


def _edit_initial(post: Post) -> dict:
    # The hashtags field holds the tags that the caption does not already name.
    in_caption = set(media_services.parse_hashtags(post.caption))
    extra = [f"#{tag.name}" for tag in post.hashtags.all() if tag.name not in in_caption]
    return {
        "caption": post.caption,
        "hashtags": " ".join(extra),
        "is_paid_partnership": post.is_paid_partnership,
    }


@login_required
@shows_domain_errors
def edit(request: HttpRequest, post_id: int) -> HttpResponse:
    post = media_services.owned_post(user=request.user, post_id=post_id)
    if request.method == "POST":
        form = PostForm(request.POST, anchors=AnchorRows.from_post(request.POST))
        saved = form.submit(
            lambda data: media_services.update_post(
                editor=request.user,
                post_id=post.pk,
                caption=data["caption"],
                hashtags=data["hashtags"],
                anchors=form.anchors.specs(with_times=post.kind == Post.Kind.VIDEO),
                is_paid_partnership=data["is_paid_partnership"],
            )
        )
        if saved:
            messages.success(request, "Saved.")
            return redirect("web:studio")
    else:
        form = PostForm(
            initial=_edit_initial(post), anchors=AnchorRows.from_anchors(post.anchors.all())
        )
    context = {
        "form": form,
        "post": post,
        "duration": _seconds(post.duration_ms),
        "max_anchors": media_services.MAX_ANCHORS,
    }
    return render(request, "web/studio/edit.html", context, status=form.status)


@login_required
@require_POST
@shows_domain_errors
def delete(request: HttpRequest, post_id: int) -> HttpResponse:
    media_services.remove_post(editor=request.user, post_id=post_id)
    messages.success(request, "Post deleted.")
    return redirect("web:studio")


@login_required
@shows_domain_errors
def product_search(request: HttpRequest) -> HttpResponse:
    """The picker's results: matches for `q`, or without one the creator's own products (or the
    newest on Clipcart when they have no shop)."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    own_shops = catalog_selectors.shop_ids_of(request.user)
    shop_id = min(own_shops) if own_shops and not query else None
    page = catalog_selectors.product_list(query=query, shop_id=shop_id, size=PICKER_RESULTS)
    context = {
        "products": page.items,
        "query": query,
        "own_shops": own_shops,
        "own": shop_id,
        "times": request.GET.get("times") == "1",  # the post is a video: rows get times
    }
    return render(request, "web/studio/_product_results.html", context)
