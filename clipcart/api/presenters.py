"""Turn domain objects into the API's wire shapes (money as strings, dates as ISO)."""

from __future__ import annotations

from clipcart.catalog.models import Product
from clipcart.catalog.selectors import ProductDetail
from clipcart.checkout.selectors import Quote, QuotedDiscount
from clipcart.core.money import format_money
from clipcart.feed.pages import HashtagTrend
from clipcart.feed.selectors import FeedItem
from clipcart.orders.models import Order


def variant(v) -> dict:
    return {
        "id": v.pk,
        "name": v.name,
        "sku": v.sku,
        "price": format_money(v.price),
        "currency": v.currency,
        "stock": getattr(v, "stock", 0),
    }


def product_card(p: Product) -> dict:
    images = list(p.images.all())
    return {
        "id": p.pk,
        "title": p.title,
        "price": format_money(p.min_price) if p.min_price is not None else "0.00",  # type: ignore[attr-defined]
        "currency": p.min_currency or "USD",  # type: ignore[attr-defined]
        "shop": {"id": p.shop.pk, "name": p.shop.name},
        "image_url": images[0].url if images else None,
        "in_stock": p.in_stock,  # type: ignore[attr-defined]
        "kind": p.kind,
    }


def product(detail: ProductDetail) -> dict:
    p = detail.product
    return {
        **product_card(p),
        "description": p.description,
        "variants": [variant(v) for v in p.variants.all()],
        "images": [image.url for image in p.images.all()],
        "ships_by": detail.ships_by.isoformat() if detail.ships_by else None,
        "handling_days": p.effective_handling_days,
        "external_url": f"/go/{p.pk}" if p.kind == Product.Kind.EXTERNAL else None,
    }


def cart(quote: Quote) -> dict:
    return {
        "lines": [
            {
                "id": q.line.pk,
                "variant_id": q.variant.pk,
                "product_id": q.variant.product_id,
                "title": q.variant.product.title,
                "variant_name": q.variant.name,
                "shop_id": q.variant.shop_id,
                "quantity": q.line.quantity,
                "unit_price": format_money(q.unit_price),
                "line_total": format_money(q.line_total),
                "currency": q.variant.currency,
                "available": q.available,
                "problem": q.problem or None,
            }
            for q in quote.lines
        ],
        "subtotal": format_money(quote.subtotal),
        "shipping_total": format_money(quote.shipping_total),
        "discounts": [_cart_discount(d) for d in quote.discounts],
        "discount_total": format_money(quote.discount_total),
        "total": format_money(quote.total),
        "currency": quote.currency,
    }


def _cart_discount(d: QuotedDiscount) -> dict:
    return {
        "code": d.code.code,
        "shop_id": d.code.shop_id,
        "amount": format_money(d.amount),
        "applied": d.applied,
        "reason": d.reason or None,
        "reason_code": d.problem.code if d.problem else None,
    }


def order(o: Order) -> dict:
    return {
        "id": o.pk,
        "shop": {"id": o.shop.pk, "name": o.shop.name},
        "status": o.status,
        "subtotal": format_money(o.subtotal),
        "discount": format_money(o.discount),
        "shipping_fee": format_money(o.shipping_fee),
        "total": format_money(o.total),
        "currency": o.currency,
        "ships_by": o.ships_by.isoformat(),
        "carrier": o.carrier,
        "tracking_number": o.tracking_number,
        "created_at": o.created_at.isoformat(),
        "lines": [
            {
                "id": line.pk,
                "variant_id": line.variant_id,
                "product_id": line.product_id,
                "title": line.title,
                "variant_name": line.variant_name,
                "unit_price": format_money(line.unit_price),
                "quantity": line.quantity,
                "line_total": format_money(line.line_total),
            }
            for line in o.lines.all()
        ],
        "events": [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
                "at": e.created_at.isoformat(),
            }
            for e in o.events.all()
        ],
    }


# --- Videos and feed ----------------------------------------------------------------------------


def creator_ref(user) -> dict:
    return {"id": user.pk, "handle": user.handle, "name": user.name}


def _file_url(field) -> str | None:
    return field.url if field else None


def _tagged_product(card: Product) -> dict:
    return {key: value for key, value in product_card(card).items() if key != "kind"}


def _anchor(anchor) -> dict:
    card = getattr(anchor, "card", None)
    return {
        "product_id": anchor.product_id,
        "url": anchor.external_url or None,
        "title": card.title if card else anchor.external_title,
        "start_ms": anchor.start_ms,
        "end_ms": anchor.end_ms,
        "earns_commission": anchor.earns_commission,
    }


def _post_fields(item: FeedItem) -> dict:
    post = item.post
    return {
        "kind": post.kind,
        "creator": creator_ref(post.creator),
        "caption": post.caption,
        "hashtags": [tag.name for tag in post.hashtags.all()],
        "stream_url": _file_url(post.stream),
        "poster_url": _file_url(post.poster),
        "image_urls": [(image.image or image.original).url for image in post.images.all()],
        "duration_ms": post.duration_ms,
        "products": [_tagged_product(a.card) for a in item.anchors if getattr(a, "card", None)],
        "anchors": [_anchor(a) for a in item.anchors],
        "label": item.label,
        "like_count": post.like_count,
        "comment_count": post.comment_count,
    }


def video(item: FeedItem) -> dict:
    post = item.post
    return {
        "id": post.pk,
        "status": post.status,
        "failure_reason": post.failure_reason or None,
        "paid_partnership": post.is_paid_partnership,
        "published_at": post.published_at.isoformat() if post.published_at else None,
        **_post_fields(item),
    }


def feed_card(item: FeedItem) -> dict:
    """The part of a feed item that is the same for every viewer (see api/feed_cards.py)."""
    return {**_post_fields(item), "top_tag": item.top_tag}


def feed_item(
    card: dict, *, video_id: int, reason: str, liked: bool, following: bool, share_url: str
) -> dict:
    fields = {key: value for key, value in card.items() if key != "top_tag"}
    return {
        "video_id": video_id,
        "reason": reason,
        "liked": liked,
        "following": following,
        "share_url": share_url,
        **fields,
    }


def comment(c) -> dict:
    return {
        "id": c.pk,
        "author": creator_ref(c.author),
        "body": c.body,
        "created_at": c.created_at.isoformat(),
    }


def hashtag(trend: HashtagTrend) -> dict:
    return {
        "name": trend.hashtag.name,
        "total_views": trend.total_views,
        "views_7d": trend.views_7d,
        "views_prev_7d": trend.views_prev_7d,
        "growth": round(trend.growth, 4) if trend.growth is not None else None,
        "daily": [{"day": day.isoformat(), "views": views} for day, views in trend.daily],
    }
