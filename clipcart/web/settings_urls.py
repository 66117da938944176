from django.urls import URLPattern

# Feed & privacy settings: the personalization choice, birth date and region.
urlpatterns: list[URLPattern] = []
