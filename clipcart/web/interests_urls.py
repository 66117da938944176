from django.urls import path

from .views import interests

# The interest profile: see and remove interests, reset, download and erase behavioural data.
urlpatterns = [
    path("settings/interests/", interests.interests_page, name="interests"),
    path("settings/interests/remove/", interests.remove, name="interest_remove"),
    path("settings/interests/restore/", interests.restore, name="interest_restore"),
    path("settings/interests/reset/", interests.reset, name="interests_reset"),
    path("settings/interests/export.json", interests.export, name="interests_export"),
    path("settings/interests/erase/", interests.erase, name="interests_erase"),
]
