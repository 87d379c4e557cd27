"""``/products/<id>/export``: the upstream export as one download, fetched in 31-day pieces.

The form is validated in the site's local dates first; the first piece is opened before the
response starts, so a request the upstream rejects still becomes a page with its message. The
joining itself (one header, ``\\r\\n`` between rows, none after the last) is in ``export``.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from products import client
from products.client import BadRequest, Unauthorized, UpstreamError
from products.export import filename, joined, pieces
from products.forms import ExportForm
from products.views import back_context, product_for, zone_of
from signin.auth import signin_required, upstream_error_page, upstream_words
from signin.request import SignedInRequest

log = logging.getLogger(__name__)

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@signin_required
async def export(request: SignedInRequest, product_id: int) -> HttpResponse:
    """``/products/<id>/export``: the upstream export as one file, fetched in 31-day pieces."""
    token = request.upstream_token
    try:
        product = await product_for(request, product_id)
    except UpstreamError as exc:
        return upstream_error_page(request, exc)
    tz, now = zone_of(product), timezone.now()
    form = ExportForm(request.GET, tz=tz, now=now)
    context = {"product": product, "tz": tz.key, "export_form": form, **back_context(request)}
    if not form.is_valid():
        return render(request, "products/export.html", context, status=400)
    fmt = form.cleaned_data["format"]
    params = form.upstream_params()
    spans = pieces(*form.window())
    if not spans:
        form.add_error(None, _("The range has no time in it yet."))
        return render(request, "products/export.html", context, status=400)

    async def open_piece(start: float, end: float):
        query = {**params, "from": f"{start:.4f}", "to": f"{end:.4f}"}
        return await client.export_stream(token, product.id, fmt=fmt, params=query)

    try:
        first = await open_piece(*spans[0])
    except BadRequest as exc:
        message = _("The VoltStorage API rejected the export: {reasons}")
        form.add_error(None, format_html(message, reasons=upstream_words(exc)))
        return render(request, "products/export.html", context, status=400)
    except Unauthorized:
        raise
    except UpstreamError as exc:
        return upstream_error_page(request, exc)
    name = filename(
        product.serial_number,
        form.cleaned_data["start"].isoformat(),
        form.cleaned_data["end"].isoformat(),
        fmt,
    )
    log.info("export of product %s: %s in %d piece(s)", product.id, name, len(spans))
    response = StreamingHttpResponse(
        joined(fmt, spans, open_piece, first), content_type=CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
