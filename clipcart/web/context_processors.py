from functools import partial

from clipcart.accounts import selectors as account_selectors
from clipcart.catalog import selectors as catalog_selectors
from clipcart.checkout import selectors as checkout_selectors
from clipcart.feed.selectors import SESSION_CHOICE_KEY


def navigation(request) -> dict:
    """What the header of every page shows: the cart count, unread notifications and the
    seller's shops; and, for the feed, whether to ask "Personalize your For You feed?"."""
    if request.path.startswith(("/admin/", "/api/")):
        return {}
    cart = checkout_selectors.cart_for(user=request.user, session_key=request.session.session_key)
    return {
        "cart_count": checkout_selectors.cart_item_count(cart),
        "my_shops": catalog_selectors.shops_of(request.user),
        "unread_count": account_selectors.unread_notification_count(request.user),
        # A callable: worked out only on the page that shows the question (the feed).
        "personalization_prompt": partial(personalization_prompt, request),
    }


def personalization_prompt(request) -> dict | None:
    """The one-time question's context, or None when it is not to be asked: it was answered
    (on the account, or in this browser session when signed out), or the account is a minor's
    (they cannot have personalization, so there is nothing to ask)."""
    privacy = account_selectors.feed_privacy(
        request.user, session_choice=request.session.get(SESSION_CHOICE_KEY)
    )
    if privacy.asked or privacy.minor:
        return None
    return {"region_name": account_selectors.region_name(privacy.region)}
