from clipcart.accounts import selectors as account_selectors
from clipcart.catalog import selectors as catalog_selectors
from clipcart.checkout import selectors as checkout_selectors


def navigation(request) -> dict:
    """What the header of every page shows: the cart count, unread notifications and the
    seller's shops."""
    if request.path.startswith(("/admin/", "/api/")):
        return {}
    cart = checkout_selectors.cart_for(user=request.user, session_key=request.session.session_key)
    return {
        "cart_count": checkout_selectors.cart_item_count(cart),
        "my_shops": catalog_selectors.shops_of(request.user),
        "unread_count": account_selectors.unread_notification_count(request.user),
    }
