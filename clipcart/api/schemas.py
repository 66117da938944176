"""Request and response shapes of /api/v1. Field names are a contract (shared/API.md)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt, StrictStr


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    error: ErrorDetail


class RegisterIn(Schema):
    username: StrictStr = Field(max_length=150)
    email: StrictStr = Field(max_length=254)
    password: StrictStr = Field(max_length=128)


class UserOut(Schema):
    id: int
    username: str


class TokenIn(Schema):
    username: StrictStr = Field(max_length=150)
    password: StrictStr = Field(max_length=128)


class TokenOut(Schema):
    token: str


class ShopRef(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    username: str
    roles: list[str]
    shops: list[ShopRef]


class ShopIn(Schema):
    name: StrictStr = Field(max_length=200)
    description: StrictStr = Field("", max_length=5000)


class ShopOut(Schema):
    id: int
    name: str
    status: str


Price = StrictStr | StrictInt


class VariantIn(Schema):
    name: StrictStr = Field(max_length=200)
    sku: StrictStr | None = Field(None, max_length=200)
    price: Price | None = None
    stock: StrictInt


class ProductIn(Schema):
    title: StrictStr = Field(max_length=1000)
    description: StrictStr = Field("", max_length=20000)
    price: Price
    currency: StrictStr = Field(max_length=3)
    stock: StrictInt = 0
    handling_days: StrictInt | None = None
    variants: list[VariantIn] | None = Field(None, max_length=200)
    kind: StrictStr = "native"
    external_url: StrictStr = Field("", max_length=2000)


class VariantOut(Schema):
    id: int
    name: str
    sku: str
    price: str
    currency: str
    stock: int


class ProductCreatedOut(Schema):
    id: int
    title: str
    variants: list[VariantOut]


class ImageOut(Schema):
    id: int
    url: str
    position: int


class VariantPatchIn(Schema):
    price: Price | None = None
    stock: StrictInt | None = None


class ProductCardOut(Schema):
    id: int
    title: str
    price: str
    currency: str
    shop: ShopRef
    image_url: str | None
    in_stock: bool
    kind: str


class ProductListOut(Schema):
    items: list[ProductCardOut]
    next_cursor: str | None


class ProductOut(ProductCardOut):
    description: str
    variants: list[VariantOut]
    images: list[str]
    ships_by: str | None
    handling_days: int
    external_url: str | None


class CartItemIn(Schema):
    variant_id: StrictInt
    quantity: StrictInt = 1
    ref: StrictStr | None = Field(None, max_length=200)


class CartLinePatchIn(Schema):
    quantity: StrictInt


class CartLineOut(Schema):
    id: int
    variant_id: int
    product_id: int
    title: str
    variant_name: str
    shop_id: int
    quantity: int
    unit_price: str
    line_total: str
    currency: str
    available: int
    problem: str | None


class CartDiscountOut(Schema):
    code: str
    shop_id: int
    amount: str
    applied: bool
    reason: str | None = Field(description="Why the code takes nothing off, when it does not.")
    reason_code: str | None = Field(description='The reason as a code, e.g. "discount_expired".')


class CartOut(Schema):
    lines: list[CartLineOut]
    subtotal: str
    shipping_total: str
    discounts: list[CartDiscountOut] = []
    discount_total: str = "0.00"
    total: str
    currency: str


class AddressIn(Schema):
    name: StrictStr = Field(max_length=500)
    line1: StrictStr = Field(max_length=500)
    line2: StrictStr = Field("", max_length=500)
    city: StrictStr = Field(max_length=500)
    region: StrictStr = Field("", max_length=500)
    postal_code: StrictStr = Field(max_length=100)
    country: StrictStr = Field(max_length=100)


class PaymentIn(Schema):
    method: StrictStr = Field("test", max_length=20)
    token: StrictStr = Field(max_length=200)


class CheckoutIn(Schema):
    shipping_address: AddressIn
    payment: PaymentIn


class CheckoutOrderOut(Schema):
    id: int
    shop_id: int
    status: str
    total: str
    currency: str
    ships_by: str
    delivers_by: str | None = None


class CheckoutOut(Schema):
    payment_status: str
    orders: list[CheckoutOrderOut]


class OrderLineOut(Schema):
    id: int
    variant_id: int | None
    product_id: int | None
    title: str
    variant_name: str
    unit_price: str
    quantity: int
    line_total: str


class OrderEventOut(Schema):
    from_status: str
    to_status: str
    note: str
    at: str


class OrderOut(Schema):
    id: int
    shop: ShopRef
    status: str
    subtotal: str
    discount: str = "0.00"
    shipping_fee: str
    total: str
    currency: str
    ships_by: str
    carrier: str
    tracking_number: str
    created_at: str
    lines: list[OrderLineOut]
    events: list[OrderEventOut]


class OrderListOut(Schema):
    items: list[OrderOut]
    next_cursor: str | None


class CancelIn(Schema):
    reason: StrictStr = Field("Cancelled by the buyer", max_length=300)


# --- Videos, feed, events -----------------------------------------------------------------------


class CreatorRef(Schema):
    id: int
    handle: str
    name: str


class TaggedProductOut(Schema):
    id: int
    title: str
    price: str
    currency: str
    image_url: str | None = None
    in_stock: bool
    shop: ShopRef


class AnchorOut(Schema):
    product_id: int | None
    url: str | None = Field(None, description="An external link anchor's address.")
    title: str
    start_ms: int | None
    end_ms: int | None
    earns_commission: bool


class VideoCreatedOut(Schema):
    id: int
    status: str


class VideoOut(Schema):
    id: int
    kind: str
    status: str
    failure_reason: str | None
    creator: CreatorRef
    caption: str
    hashtags: list[str]
    stream_url: str | None
    poster_url: str | None
    image_urls: list[str]
    duration_ms: int | None
    products: list[TaggedProductOut]
    anchors: list[AnchorOut]
    label: str | None
    paid_partnership: bool
    like_count: int
    comment_count: int
    published_at: str | None


class VideoListOut(Schema):
    items: list[VideoOut]
    next_cursor: str | None


class AnchorIn(Schema):
    product_id: StrictInt | None = None
    url: StrictStr = Field("", max_length=500)
    title: StrictStr = Field("", max_length=200)
    start: float | None = Field(None, description="Seconds from the start of the video.")
    end: float | None = None


class VideoPatchIn(Schema):
    caption: StrictStr | None = Field(None, max_length=5000)
    hashtags: StrictStr | None = Field(None, max_length=2000)
    anchors: list[AnchorIn] | None = Field(None, max_length=20)
    paid_partnership: bool | None = None


class WhyFactorOut(Schema):
    name: str = Field(description="A predicted outcome: completion, like, share, follow, ...")
    value: float = Field(description="How far it lifted the score above an ordinary video.")


class WhyOut(Schema):
    source: str = Field(
        description="followed, hashtag, carted, covisit, next, next_last, als, trending, "
        "trending_day, fresh, popular, popular_region, or explore:<hashtag|creator|category|"
        "broad>."
    )
    detail: str | None = Field(description="The hashtag, category, creator or region named.")
    factors: list[WhyFactorOut]


class FeedItemOut(Schema):
    video_id: int
    kind: str
    creator: CreatorRef
    caption: str
    hashtags: list[str]
    stream_url: str | None
    poster_url: str | None
    image_urls: list[str]
    duration_ms: int | None
    products: list[TaggedProductOut]
    anchors: list[AnchorOut]
    label: str | None = Field(
        description='Disclosure: null, "paid_partnership", "sponsored" or "commission".'
    )
    reason: str = Field(description="Why this video is in the viewer's feed.")
    why: WhyOut | None = Field(
        None,
        description="What the reason is made of (For You only): the candidate source that "
        "proposed the video and the ranking terms that lifted it most.",
    )
    like_count: int
    comment_count: int
    liked: bool
    following: bool
    share_url: str


class FeedOut(Schema):
    items: list[FeedItemOut]
    next_cursor: str | None


class EventIn(Schema):
    """Validated by feed.services.check_events, which names the event at fault."""

    events: list = Field(description="At most 500 events: {id, type, ts, video_id?, ...}.")


class EventsAcceptedOut(Schema):
    accepted: int
    duplicates: int


class CommentIn(Schema):
    body: StrictStr = Field(max_length=5000)


class CommentOut(Schema):
    id: int
    author: CreatorRef
    body: str
    created_at: str


class CommentListOut(Schema):
    items: list[CommentOut]
    next_cursor: str | None


class ReportIn(Schema):
    reason: StrictStr = Field("other", max_length=20)


class ShareOut(Schema):
    url: str
    ref: str | None


class ToggleOut(Schema):
    active: bool
    count: int


class CreatorOut(Schema):
    id: int
    handle: str
    name: str
    bio: str
    followers: int
    following: int
    likes: int
    views: int
    is_following: bool


class HashtagOut(Schema):
    name: str
    total_views: int
    views_7d: int
    views_prev_7d: int
    growth: float | None = Field(description="Last 7 days over the 7 before, minus 1.")
    daily: list[dict]


class HashtagPageOut(HashtagOut):
    post_count: int
    top_videos: list[VideoOut]


class HashtagListOut(Schema):
    items: list[HashtagOut]


# --- Discount codes -----------------------------------------------------------------------------


class DiscountApplyIn(Schema):
    code: StrictStr = Field(max_length=100)


class DiscountCodeIn(Schema):
    code: StrictStr = Field(max_length=100, description="3–32 letters, digits, - or _.")
    kind: StrictStr = Field(max_length=20, description='"percent" or "amount".')
    value: Price = Field(description="A percent from 1 to 90, or an amount in the shop currency.")
    min_subtotal: Price | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    max_uses: StrictInt | None = None


class DiscountCodePatchIn(Schema):
    is_active: StrictBool


class DiscountCodeOut(Schema):
    id: int
    shop_id: int
    code: str
    kind: str
    value: str
    currency: str
    min_subtotal: str | None
    starts_at: str | None
    ends_at: str | None
    max_uses: int | None
    times_used: int
    is_active: bool
    created_at: str


class DiscountCodeListOut(Schema):
    items: list[DiscountCodeOut]
    next_cursor: str | None
