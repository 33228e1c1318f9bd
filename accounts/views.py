"""Django's own login views, with the one change the app needs."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import views as auth_views


class PasswordResetView(auth_views.PasswordResetView):
    """The reset link points at SITE_URL, not at whatever host the request named (a request's
    Host header is the client's to choose, within ALLOWED_HOSTS)."""

    def form_valid(self, form):
        site = urlsplit(settings.SITE_URL)
        self.extra_email_context = {
            "protocol": site.scheme,
            "domain": site.netloc,
            "site_name": site.netloc,
            **(self.extra_email_context or {}),
        }
        return super().form_valid(form)
