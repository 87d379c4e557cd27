"""``GET /metrics``: this process's live-feed counters in Prometheus text format."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.decorators.http import require_GET

from livefeed.metrics import METRICS
from signin.addresses import is_local


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Served to localhost only (a scraper on the same host) unless ``METRICS_PUBLIC``.

    A 404 rather than a 403 elsewhere: the endpoint's existence is nobody else's business.
    Behind a proxy on this host every request comes from loopback, so "local" is the client's
    address as ``TRUSTED_PROXIES`` lets us read it.
    """
    if not settings.METRICS_PUBLIC and not is_local(request.META):
        return HttpResponseNotFound("Not found\n", content_type="text/plain")
    return HttpResponse(METRICS.render(), content_type="text/plain; version=0.0.4; charset=utf-8")
