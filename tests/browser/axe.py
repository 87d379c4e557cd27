"""The accessibility audit: axe-core in the page, WCAG 2.1 A and AA rules, serious and worse.

axe-core comes from ``node_modules/`` (npm, pinned in package.json, installed by ``make
setup``), like Chromium it is part of the project's own set-up. It is evaluated through the
DevTools protocol rather than added as a ``<script>``, so the site's Content Security Policy
(no inline scripts) applies to the page and not to the audit. Auditing a new page is one line:
``assert serious_violations(page) == []``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21aa"]
SERIOUS = {"serious", "critical"}

_RUN = """async (tags) => {
  const result = await window.axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


@cache
def _source() -> str:
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} is missing: run `make setup` (npm ci installs axe-core)")
    return AXE_JS.read_text(encoding="utf-8")


def violations(page: Any) -> list[dict[str, Any]]:
    """Every WCAG 2.1 A/AA violation axe-core finds in the page as it is now."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(_source())
    return page.evaluate(_RUN, TAGS)


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """The violations of impact serious or critical (what the suite allows none of)."""
    return [v for v in violations(page) if v["impact"] in SERIOUS]


def describe(found: dict[str, list[dict[str, Any]]]) -> str:
    """A readable failure message: page, rule, element and axe's explanation, one per line."""
    return "\n".join(
        f"{path}: {v['id']} at {n['target']}: {n['summary'].splitlines()[-1].strip()}"
        for path, items in found.items()
        for v in items
        for n in v["nodes"]
    )
