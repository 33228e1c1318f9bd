"""HTTP policy for the whole site, beside the settings that switch it on."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def private_no_store(get_response: Callable[[HttpRequest], HttpResponse]):
    """`Cache-Control: private, no-store` on every response to a signed-in person and on every
    CSV export: lead pages and exports hold personal data, and neither a shared proxy nor the
    browser's disk (Back after logging out, a shared desk) may keep a copy.

    Static files never reach this (whitenoise answers them first) and keep their long cache.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
        if signed_in or response.get("Content-Type", "").startswith("text/csv"):
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware
