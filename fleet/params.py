"""The fleet overview's state, read from and written back to the URL.

Every state of the overview (search, filters, sort, page, page size) is a query parameter, so a
reload, the back button and a bookmark all restore it. Each is read by ``signin.params``; junk
never reaches the upstream: it falls back to the default and leaves a notice saying what was
ignored and why (the page still opens, as a stale bookmark should).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from signin import params as p
from signin.params import ParamError

PAGE_SIZES = (25, 50, 100)
DEFAULT_SIZE = 25
MAX_Q = 100
MAX_PAGE = 100_000
MAX_ID = 2**31 - 1
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

        def read(reader: Callable[[], Any], fallback: str) -> Any:
            """The parameter's value, or None (the default) and a notice saying why."""
            try:
                return reader()
            except ParamError as exc:
                notices.append(f"Ignored {exc}. {fallback}")
                return None

        q = " ".join(params.get("q", "").split())
        if len(q) > MAX_Q:
            notices.append(f"The search text was cut to its first {MAX_Q} characters.")
            q = q[:MAX_Q]

        group = read(lambda: _id(params, "group"), "Showing all groups.")
        owner = read(lambda: _id(params, "owner"), "Showing all owners.")
        installed = read(
            lambda: p.choice(params, "installed", ("yes", "no", "all")),
            "Showing all products.",
        )
        state = read(
            lambda: p.choice(params, "state", (*STATES, "all")),
            "Showing every state.",
        )
        sort = read(
            lambda: p.choice(params, "sort", [*SORTS, *(f"-{key}" for key in SORTS)]),
            "Showing the default order.",
        )
        size = read(
            lambda: p.choice(params, "size", [str(n) for n in PAGE_SIZES]),
            f"Showing {DEFAULT_SIZE}.",
        )
        page = read(
            lambda: p.integer(params, "page", minimum=1, maximum=MAX_PAGE),
            "Showing page 1.",
        )
        return cls(
            q,
            group,
            owner,
            "" if installed in (None, "all") else installed,
            "" if state in (None, "all") else state,
            sort or "",
            page or 1,
            int(size) if size else DEFAULT_SIZE,
            tuple(notices),
        )

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


def _id(params: QueryDict, name: str) -> int | None:
    """A group's or owner's id; ``all`` (an old link's way of saying none) is no filter."""
    if params.get(name, "").strip().lower() == "all":
        return None
    return p.integer(params, name, minimum=1, maximum=MAX_ID)
