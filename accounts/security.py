"""The client's address for login throttling, honest about reverse proxies.

Behind a proxy every request's REMOTE_ADDR is the proxy's, so django-axes would lock the whole
office out together. With TRUSTED_PROXY_COUNT=N the client is the N-th address from the right of
X-Forwarded-For: the entries to its right were appended by our own proxies, and anything to its
left was written by the client and is not trusted.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    remote = request.META.get("REMOTE_ADDR")
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part
    ]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]
