"""Turn domain objects into the API's wire shapes (money as strings, dates as ISO)."""

from __future__ import annotations

from clipcart.catalog.models import Product
from clipcart.catalog.selectors import ProductDetail
from clipcart.checkout.selectors import Quote
from clipcart.core.money import format_money
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
        "total": format_money(quote.total),
        "currency": quote.currency,
    }


def order(o: Order) -> dict:
    return {
        "id": o.pk,
        "shop": {"id": o.shop.pk, "name": o.shop.name},
        "status": o.status,
        "subtotal": format_money(o.subtotal),
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
