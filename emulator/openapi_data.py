"""OpenAPI paths of the data endpoints (latest, statistics, the socket, the drop knob).

Kept apart from ``openapi.py`` so that file stays readable; it merges ``DATA_PATHS`` into its
``PATHS``. No imports from ``openapi.py``, so neither module depends on import order.
"""

from __future__ import annotations

from typing import Any

from emulator.openapi_common import error_response as _error
from emulator.openapi_common import query as _query
from emulator.simulation import FIELDS, STATUS_NAMES
from emulator.statistics import MAX_BUCKETS, TIMESPANS

ERRORS = {
    "400": _error("Bad request: a parameter is outside its contract"),
    "401": _error("Missing, malformed or expired token"),
    "403": _error("The token's user may not see this product (or it does not exist)"),
}
UNIX_TIME = {"type": "number", "minimum": 0, "maximum": 253_402_214_400}
PRODUCT_ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


FIELD_VALUES = {
    "type": "object",
    "properties": {
        field: (
            {"type": "string", "enum": list(STATUS_NAMES)}
            if field == "status"
            else {"type": "number"}
        )
        for field in FIELDS
    },
    "additionalProperties": False,
}
MEAN = {
    "type": "object",
    "required": ["nSamples", "value"],
    "properties": {"nSamples": {"type": "integer", "minimum": 1}, "value": {"type": "number"}},
}
# A bucket's means: the mean of its samples, with how many there were.
MEAN_KEYS = (
    "own-consumption",
    "electrolyte-temp",
    "pump-temp",
    "dc-capacity",
    "ac-capacity",
    "dc-efficiency",
    "ac-efficiency",
)
BUCKET = {
    "type": "object",
    "required": [
        "timespan_start",
        "pv-total",
        "pv-activity",
        "consumption-total",
        "storage-total-released",
        "storage-total-stored",
        "max-temperature",
        *MEAN_KEYS,
        "self-sufficiency",
    ],
    "properties": {
        "timespan_start": {"type": "integer"},
        "pv-total": {"type": "number", "minimum": 0},
        "pv-activity": {"type": "number", "minimum": 0},
        "consumption-total": {"type": "number", "minimum": 0},
        "storage-total-released": {"type": "number", "minimum": 0},
        "storage-total-stored": {"type": "number", "minimum": 0},
        "max-temperature": {"type": "number"},
        **{key: MEAN for key in MEAN_KEYS},
        "self-sufficiency": {
            "type": "object",
            "required": ["totalWeight", "value"],
            "properties": {"totalWeight": {"type": "number"}, "value": {"type": "number"}},
        },
    },
}

SOCKET_PROSE = (
    "WebSocket /rest/data/socket?productId=…&token=… (read-only; client messages are ignored). "
    "JSON text frames: {type: 'latest-data', time, data} with the fields that reported since "
    "the previous frame (the first frame carries every field), about one per second while "
    "the product is online and none while it is offline; {type: 'product', time, data: "
    "{online, errors}} on connect and when the online state or the error codes change. "
    "Without a valid token the socket is closed with 4401 right after accept; a foreign or "
    "unknown product: 4403; a productId that is not an integer: 4400. "
    "The emulator closes sockets it drops on purpose with 4503."
)

DATA_PATHS: dict[str, Any] = {
    "/products/{productId}/latest": {
        "get": {
            "operationId": "latestData",
            "summary": "The last reported value of every field of a product",
            "description": "Live data also streams over the socket: " + SOCKET_PROSE,
            "parameters": [
                {
                    "name": "productId",
                    "in": "path",
                    "required": True,
                    "description": "Product id",
                    "schema": PRODUCT_ID,
                },
                _query(
                    "includeTime",
                    {"type": "boolean", "default": False},
                    "true: {time, data}; false: the data object alone",
                ),
            ],
            "responses": {
                "200": _json(
                    {
                        "anyOf": [
                            {
                                "type": "object",
                                "required": ["time", "data"],
                                "properties": {
                                    "time": {"type": ["number", "null"]},
                                    "data": FIELD_VALUES,
                                },
                                "additionalProperties": False,
                            },
                            FIELD_VALUES,
                        ]
                    },
                    "The latest values (empty for a product that never reported)",
                ),
                **ERRORS,
            },
        }
    },
    "/data/statistics": {
        "get": {
            "operationId": "statistics",
            "summary": "UTC-aligned statistics buckets of a product, oldest first",
            "parameters": [
                _query("productId", PRODUCT_ID, "Product id", required=True),
                _query("tstart", UNIX_TIME, "UNIX s; default: the start of the product's data"),
                _query("tend", UNIX_TIME, "UNIX s, exclusive; default now; tstart <= tend"),
                _query(
                    "timespan",
                    {"type": "string", "enum": list(TIMESPANS), "default": "day"},
                    f"Bucket size; at most {MAX_BUCKETS} buckets per request",
                ),
            ],
            "responses": {
                "200": _json({"type": "array", "items": BUCKET}, "One object per bucket"),
                **ERRORS,
            },
        }
    },
    "/emulator/drop-sockets": {
        "post": {
            "operationId": "dropSockets",
            "summary": "Emulator only: close every open data socket of this server process",
            "description": "For demos and tests of reconnecting clients. " + SOCKET_PROSE,
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["closed"],
                        "properties": {"closed": {"type": "integer", "minimum": 0}},
                    },
                    "How many sockets were closed",
                ),
                "401": ERRORS["401"],
                "403": _error("Only the fleet-wide account may drop sockets"),
            },
        }
    },
}
