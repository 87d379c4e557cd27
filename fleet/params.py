"""The fleet overview's state, read from and written back to the URL.

Every state of the overview (search, filters, sort, page, page size) is a query parameter, so a
reload, the back button and a bookmark all restore it. Junk in any parameter never reaches the
upstream: it falls back to the default and leaves a notice saying what was ignored and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

PAGE_SIZES = (25, 50, 100)
DEFAULT_SIZE = 25
MAX_Q = 100
MAX_PAGE = 100_000
STATES = {"online": _("Online"), "offline": _("Offline"), "errors": _("With errors")}
INSTALLED = {"yes": _("Installed"), "no": _("Not installed")}

# URL sort key -> (upstream sort field, column title). Only columns the upstream can sort by.
SORTS: dict[str, tuple[str, str]] = {
    "serial": ("serialNumber", "Serial number"),
    "type": ("typeId", "Type"),
    "group": ("groupId", "Group"),
    "installed": ("installationDate", "Installed"),
    "hardware": ("hardwareVersion", "Hardware"),
}


@dataclass(frozen=True)
class FleetQuery:
    q: str = ""
    group: int | None = None
    owner: int | None = None
    installed: str = ""  # "", "yes" or "no"
    state: str = ""  # "", "online", "offline" or "errors"
    sort: str = ""  # "", "serial", "-installed", ...
    page: int = 1
    size: int = DEFAULT_SIZE
    notices: tuple[str, ...] = field(default=(), compare=False)

    # -- reading ---------------------------------------------------------------------------------
    @classmethod
    def from_querydict(cls, params: QueryDict) -> FleetQuery:
        notices: list[str] = []

        q = " ".join(params.get("q", "").split())
        if len(q) > MAX_Q:
            notices.append(f"The search text was cut to its first {MAX_Q} characters.")
            q = q[:MAX_Q]

        group = _positive_int(params, "group", "group", notices)
        owner = _positive_int(params, "owner", "owner", notices)

        installed = params.get("installed", "").strip().lower()
        if installed in {"", "all"}:
            installed = ""
        elif installed not in INSTALLED:
            notices.append(
                f"Ignored installed={params.get('installed')!r}: use yes, no or all. "
                "Showing all products."
            )
            installed = ""

        state = params.get("state", "").strip().lower()
        if state not in STATES and state not in {"", "all"}:
            notices.append(
                f"Ignored state={params.get('state')!r}: use online, offline or errors. "
                "Showing every state."
            )
            state = ""
        state = "" if state == "all" else state

        sort = params.get("sort", "").strip()
        if sort and sort.lstrip("-") not in SORTS:
            allowed = ", ".join(SORTS)
            notices.append(
                f"Ignored sort={params.get('sort')!r}: sortable columns are {allowed}. "
                "Showing the default order."
            )
            sort = ""

        size = DEFAULT_SIZE
        raw_size = params.get("size", "").strip()
        if raw_size:
            if raw_size.isdigit() and int(raw_size) in PAGE_SIZES:
                size = int(raw_size)
            else:
                notices.append(
                    f"Ignored size={raw_size!r}: a page holds 25, 50 or 100 products. "
                    f"Showing {DEFAULT_SIZE}."
                )

        page = 1
        raw_page = params.get("page", "").strip()
        if raw_page:
            if raw_page.isdigit() and 1 <= int(raw_page) <= MAX_PAGE:
                page = int(raw_page)
            else:
                notices.append(
                    f"Ignored page={raw_page!r}: pages are numbered from 1. Showing page 1."
                )
        return cls(q, group, owner, installed, state, sort, page, size, tuple(notices))

    def with_notice(self, notice: str, **changes: Any) -> FleetQuery:
        return replace(self, notices=(*self.notices, notice), **changes)

    # -- what it asks the upstream -----------------------------------------------------------------
    @property
    def upstream_sort(self) -> str | None:
        if not self.sort:
            return None
        field_name = SORTS[self.sort.lstrip("-")][0]
        return f"-{field_name}" if self.sort.startswith("-") else field_name

    @property
    def installed_filter(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.installed)

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.group or self.owner or self.installed or self.state)

    # -- writing back to the URL -----------------------------------------------------------------
    def params(self) -> dict[str, str]:
        """Non-default state as query parameters, in a stable order."""
        out: dict[str, str] = {}
        if self.q:
            out["q"] = self.q
        if self.group is not None:
            out["group"] = str(self.group)
        if self.owner is not None:
            out["owner"] = str(self.owner)
        if self.installed:
            out["installed"] = self.installed
        if self.state:
            out["state"] = self.state
        if self.sort:
            out["sort"] = self.sort
        if self.size != DEFAULT_SIZE:
            out["size"] = str(self.size)
        if self.page != 1:
            out["page"] = str(self.page)
        return out

    def querystring(self) -> str:
        params = self.params()
        return f"?{urlencode(params)}" if params else ""

    def url(self, **changes: Any) -> str:
        """The overview URL with ``changes`` applied; any change but ``page`` starts at page 1."""
        if "page" not in changes:
            changes["page"] = 1
        return f"/{replace(self, notices=(), **changes).querystring()}"

    def sort_url(self, key: str) -> str:
        """Click a header: ascending first, descending on the second click."""
        return self.url(sort=f"-{key}" if self.sort == key else key)

    def aria_sort(self, key: str) -> str:
        if self.sort == key:
            return "ascending"
        if self.sort == f"-{key}":
            return "descending"
        return "none"


def _positive_int(params: QueryDict, name: str, label: str, notices: list[str]) -> int | None:
    raw = params.get(name, "").strip()
    if raw in {"", "all"}:
        return None
    if raw.isdigit() and 0 < int(raw) < 2**31:
        return int(raw)
    notices.append(f"Ignored {name}={raw!r}: not one of your {label}s. Showing all {label}s.")
    return None
