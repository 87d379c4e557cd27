"""The fleet overview at ``/``: problem-first tiles above a searchable, filterable product table.

Two sources: the upstream pages, sorts and filters the table (search, group, owner, installed);
the viewer's fleet snapshot (``fleet.snapshot``) counts the tiles, offers the filter choices and
answers the online/offline/errors views the upstream cannot filter by. When the upstream fails,
the snapshot is also the last good data the page shows under its banner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import quote

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fleet import snapshot as fleet_snapshot
from fleet.params import INSTALLED, PAGE_SIZES, STATES, FleetQuery
from fleet.rows import FleetRow, rows_html
from fleet.summary import Row, Summary, Tiles, select
from products import client
from products.client import (
    BadRequest,
    Forbidden,
    Unauthorized,
    UpstreamError,
    UpstreamUnavailable,
)
from signin.auth import signin_required
from signin.request import SignedInRequest


@dataclass
class Result:
    rows: list[Row]
    total: int | None
    has_more: bool
    source: str  # "upstream" or "snapshot"


async def _from_upstream(token: str, query: FleetQuery) -> Result:
    page = await client.list_products(
        token,
        count=query.size,
        page=query.page,
        q=query.q or None,
        group_id=query.group,
        owner_id=query.owner,
        installed=query.installed_filter,
        sort=query.upstream_sort,
    )
    rows = [Row.from_product(p) for p in page.items]
    return Result(rows, page.total, page.has_more, "upstream")


def _from_rows(rows: list[Row], query: FleetQuery) -> Result:
    selected = select(rows, query)
    start = (query.page - 1) * query.size
    page = selected[start : start + query.size]
    return Result(page, len(selected), start + query.size < len(selected), "snapshot")


def _check_choices(query: FleetQuery, summary: Summary | None) -> FleetQuery:
    """A group or owner outside the viewer's fleet falls back to all, with a notice."""
    if summary is None:
        return query
    if query.group is not None and query.group not in dict(summary.groups()):
        query = query.with_notice(
            _("Ignored group={group}: not one of your groups. Showing all groups.").format(
                group=query.group
            ),
            group=None,
        )
    if query.owner is not None and query.owner not in dict(summary.owners()):
        query = query.with_notice(
            _("Ignored owner={owner}: not one of your owners. Showing all owners.").format(
                owner=query.owner
            ),
            owner=None,
        )
    return query


async def _snapshot_rows(token: str, summary: Summary | None) -> list[Row] | None:
    if summary is None:
        return None
    rows = await fleet_snapshot.rows(token, summary)
    if rows is None:  # the cache dropped them: fetch the fleet again
        rows = (await fleet_snapshot.build(token))[1]
    return rows


async def _load(
    token: str, query: FleetQuery, summary: Summary | None
) -> tuple[Result, UpstreamError | None]:
    """The table's rows: the snapshot for state views, else the upstream; on an upstream
    failure the snapshot's last good data (or nothing) and the failure to show."""
    try:
        if query.state and summary is not None:
            return _from_rows(await _snapshot_rows(token, summary) or [], query), None
        return await _from_upstream(token, query), None
    except Unauthorized:
        raise
    except UpstreamError as exc:
        try:
            rows = await _snapshot_rows(token, summary)
        except UpstreamError:
            rows = None
        if rows is not None:
            return _from_rows(rows, query), exc
        return Result([], None, False, "none"), exc


def _active_filters(query: FleetQuery, summary: Summary | None) -> list[tuple[str, str]]:
    """(description, URL without this filter) for each filter in force."""
    groups = dict(summary.groups()) if summary else {}
    owners = dict(summary.owners()) if summary else {}
    out = []
    if query.q:
        out.append((_("search “{q}”").format(q=query.q), query.url(q="")))
    if query.group is not None:
        name = groups.get(query.group, query.group)
        out.append((_("group {name}").format(name=name), query.url(group=None)))
    if query.owner is not None:
        name = owners.get(query.owner, query.owner)
        out.append((_("owner {name}").format(name=name), query.url(owner=None)))
    if query.installed:
        out.append((str(INSTALLED[query.installed]).lower(), query.url(installed="")))
    if query.state:
        out.append((str(STATES[query.state]).lower(), query.url(state="")))
    return out


# (title, sort key or None); the owner column has no upstream sort field.
COLUMNS = [
    (gettext_lazy("Serial number"), "serial"),
    (gettext_lazy("Type"), "type"),
    (gettext_lazy("Group"), "group"),
    (gettext_lazy("Owner"), None),
    (gettext_lazy("Installed"), "installed"),
    (gettext_lazy("Hardware"), "hardware"),
    (gettext_lazy("Status"), None),
    (gettext_lazy("Errors"), None),
]


def _tiles(query: FleetQuery, tiles: Tiles) -> list[dict[str, object]]:
    """Each tile applies its filter and keeps the group/owner scope and the search."""
    plain = not query.state and not query.installed
    scope = (
        _("in this group")
        if query.group
        else _("of this owner")
        if query.owner
        else _("in your fleet")
    )
    return [
        {"label": _("All products"), "value": tiles.all, "tone": "", "hint": scope,
         "url": query.url(state="", installed=""), "active": plain, "key": "all"},
        {"label": _("Online"), "value": tiles.online, "tone": "ok", "hint": _("reporting now"),
         "url": query.url(state="online", installed=""), "active": query.state == "online",
         "key": "online"},
        {"label": _("Offline"), "value": tiles.offline, "tone": "bad" if tiles.offline else "",
         "hint": _("installed, not reporting"), "url": query.url(state="offline", installed=""),
         "active": query.state == "offline", "key": "offline"},
        {"label": _("With errors"), "value": tiles.errors, "tone": "warn" if tiles.errors else "",
         "hint": _("{count} critical").format(count=tiles.critical),
         "url": query.url(state="errors", installed=""),
         "active": query.state == "errors", "key": "errors"},
        {"label": _("Not installed"), "value": tiles.not_installed, "tone": "muted",
         "hint": _("no installation date"), "url": query.url(state="", installed="no"),
         "active": query.installed == "no" and not query.state, "key": "not-installed"},
    ]  # fmt: skip


def _columns(query: FleetQuery) -> list[dict[str, object]]:
    return [
        {
            "title": title,
            "key": key,
            "url": query.sort_url(key) if key else None,
            "aria": query.aria_sort(key) if key else None,
        }
        for title, key in COLUMNS
    ]


def _pager(query: FleetQuery, result: Result) -> dict[str, object]:
    return {
        "prev": query.url(page=query.page - 1) if query.page > 1 else None,
        "next": query.url(page=query.page + 1) if result.has_more else None,
        "sizes": [(n, query.url(size=n), n == query.size) for n in PAGE_SIZES],
    }


def _context(
    query: FleetQuery, result: Result, summary: Summary | None, failure: UpstreamError | None
) -> dict[str, object]:
    back = quote(query.querystring().lstrip("?"), safe="")
    rows = [FleetRow.of(row, back) for row in result.rows]
    first = (query.page - 1) * query.size + 1 if rows else 0
    return {
        "query": query,
        "rows": rows,
        "rows_html": rows_html(rows),
        "result": result,
        "first": first,
        "last": first + len(rows) - 1 if rows else 0,
        "pages": math.ceil(result.total / query.size) if result.total else None,
        "summary": summary,
        "groups": summary.groups() if summary else [],
        "owners": summary.owners() if summary else [],
        "failure": failure,
        "unreachable": isinstance(failure, UpstreamUnavailable),
        "active_filters": _active_filters(query, summary),
        "tile_links": _tiles(query, summary.tiles(query)) if summary else [],
        "columns": _columns(query),
        "pager": _pager(query, result),
    }


@signin_required
async def overview(request: SignedInRequest) -> HttpResponse:
    """The fleet overview; an htmx request gets only the results fragment."""
    token = request.upstream_token
    query = FleetQuery.from_querydict(request.GET)
    pending = False
    try:
        if query.state or request.htmx:
            # A state view needs the rows, and an htmx request is the page asking for its tiles.
            summary: Summary | None = await fleet_snapshot.get(token)
        else:
            summary = await fleet_snapshot.get_within(token, fleet_snapshot.FIRST_WAIT)
            pending = summary is None
    except Unauthorized:
        raise
    except UpstreamError:
        summary = await fleet_snapshot.cached(token)  # the table below may still be live
    query = _check_choices(query, summary)
    if query.state and summary is None:
        query = query.with_notice(
            _(
                "The {state} view needs the fleet summary, which is not available right now. "
                "Showing every state."
            ).format(state=str(STATES[query.state]).lower()),
            state="",
        )

    result, failure = await _load(token, query, summary)
    if isinstance(failure, BadRequest | Forbidden):
        # We only send validated filters; if the upstream still refuses them, say so and
        # show the unfiltered list rather than an error page.
        notice = _("The VoltStorage API refused this view ({failure}); showing all products.")
        notice = notice.format(failure=failure)
        query = FleetQuery(size=query.size, notices=(*query.notices, notice))
        result, failure = await _load(token, query, summary)
    if result.total and (query.page - 1) * query.size >= result.total:
        last = math.ceil(result.total / query.size)
        query = query.with_notice(
            _("Page {page} is past the end; showing the last page, {last}.").format(
                page=query.page, last=last
            ),
            page=last,
        )
        result, failure = await _load(token, query, summary)

    context = {**_context(query, result, summary, failure), "pending": pending}
    if request.htmx and request.htmx.target == "fleet-results":
        response = render(request, "fleet/fleet.html#results", context)
        if request.htmx.trigger == "fleet-filters":
            # The canonical URL of what the form asked for: no empty fields, junk dropped.
            # (Links push their own href; the retrying banner and the tiles loader push none.)
            response["HX-Push-Url"] = f"/{query.querystring()}"
        return response
    return render(request, "fleet/fleet.html", context)
