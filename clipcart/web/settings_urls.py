from django.urls import URLPattern, path

from .views import settings

# Feed & privacy settings: the personalization choice, birth date and region.
urlpatterns: list[URLPattern] = [
    path("settings/privacy/", settings.privacy_settings, name="privacy_settings"),
    path(
        "settings/privacy/personalization/",
        settings.personalization,
        name="privacy_personalization",
    ),
    path("settings/privacy/birth-date/", settings.birth_date, name="privacy_birth_date"),
    path("settings/privacy/region/", settings.region, name="privacy_region"),
    # The feed's one-time "Personalize your For You feed?" question posts its answer here.
    path("settings/privacy/answer/", settings.answer_prompt, name="personalization_answer"),
]
