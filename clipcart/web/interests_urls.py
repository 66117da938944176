from django.urls import URLPattern

# The interest profile: see and remove interests, reset, download and erase behavioural data.
urlpatterns: list[URLPattern] = []
