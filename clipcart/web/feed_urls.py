from django.urls import URLPattern, path

from .views import feed

# The video feed, and what a viewer does without leaving it. The home page is the feed.
urlpatterns: list[URLPattern] = [
    path("", feed.home, name="home"),
    path("following/", feed.following, name="following"),
    path("v/<int:post_id>/", feed.video, name="video"),
    path("v/<int:post_id>/like/", feed.like, name="feed_like"),
    path("v/<int:post_id>/not-interested/", feed.not_interested, name="feed_not_interested"),
    path("v/<int:post_id>/share/", feed.share, name="feed_share"),
    path("v/<int:post_id>/comments/", feed.comments, name="feed_comments"),
    path("comments/<int:comment_id>/report/", feed.report_comment, name="feed_comment_report"),
    path("comments/<int:comment_id>/delete/", feed.delete_comment, name="feed_comment_delete"),
    path("feed/more/", feed.more, name="feed_more"),
    path("feed/follow/<int:user_id>/", feed.follow, name="feed_follow"),
    path("feed/products/<int:product_id>/sheet/", feed.product_sheet, name="feed_sheet"),
    path("feed/products/<int:product_id>/add/", feed.add_to_cart, name="feed_add"),
    path("feed/checkout/", feed.checkout, name="feed_checkout"),
]
