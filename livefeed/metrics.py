"""Counters of this process's live feed, rendered as Prometheus text for ``GET /metrics``.

Per process on purpose: with several server processes each one is scraped on its own, the way
Prometheus expects; nothing here is shared between processes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class Metrics:
    upstream_sockets_open: int = 0
    viewers: int = 0
    frames_in_total: int = 0
    frames_out_total: int = 0
    frames_dropped_total: int = 0
    upstream_reconnects_total: int = 0
    upstream_auth_failures_total: int = 0
    access_checks_total: int = 0

    def render(self) -> str:
        """Prometheus text exposition format 0.0.4."""
        lines = []
        for f in fields(self):
            kind = "counter" if f.name.endswith("_total") else "gauge"
            name = f"livefeed_{f.name}"
            lines.append(f"# HELP {name} {_HELP[f.name]}")
            lines.append(f"# TYPE {name} {kind}")
            lines.append(f"{name} {getattr(self, f.name)}")
        return "\n".join(lines) + "\n"


_HELP = {
    "upstream_sockets_open": "Upstream VoltStorage sockets open in this process.",
    "viewers": "Browser sockets subscribed to a product in this process.",
    "frames_in_total": "Frames received from upstream sockets.",
    "frames_out_total": "Messages sent to browser sockets.",
    "frames_dropped_total": "Messages a slow browser skipped because a newer state replaced it.",
    "upstream_reconnects_total": "Upstream sockets that closed or failed and were retried.",
    "upstream_auth_failures_total": "Upstream sockets refused for a viewer's token (401/403).",
    "access_checks_total": "Upstream requests asking whether a viewer may see a product.",
}

METRICS = Metrics()
