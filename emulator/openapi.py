"""OpenAPI 3.1 description of every endpoint the emulator serves.

Precise enough for a schema-driven fuzzer: every parameter has its type and bounds, every
answer its status codes, so a fuzzer's "valid" requests are accepted and its invalid ones get
a 400, never a 500.
"""

from __future__ import annotations

from typing import Any

from emulator.openapi_common import ERRORS_SCHEMA
from emulator.openapi_common import error_response as _error
from emulator.openapi_common import query as _query
from emulator.openapi_data import DATA_PATHS

ERRORS = ERRORS_SCHEMA


STANDARD_ERRORS = {
    "400": _error("Bad request: a parameter is outside its contract"),
    "401": _error("Missing, malformed or expired token"),
    "403": _error("The token's user may not see this (or it does not exist)"),
}

DATE = {"type": "string", "format": "date"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
TIMESTAMP = {"type": "string", "format": "date-time"}

PRODUCT = {
    "type": "object",
    "required": [
        "id",
        "ownerName",
        "serialNumber",
        "hardwareVersion",
        "manufacturingDate",
        "installationDate",
        "timezone",
        "createdAt",
        "updatedAt",
        "typeId",
        "groupId",
        "type",
        "group",
        "errors",
        "online",
    ],
    "properties": {
        "id": {"type": "integer"},
        "ownerName": {"type": ["string", "null"]},
        "serialNumber": {"type": "string"},
        "hardwareVersion": {"type": "string"},
        "manufacturingDate": DATE,
        "installationDate": NULLABLE_DATE,
        "timezone": {"type": "string"},
        "createdAt": TIMESTAMP,
        "updatedAt": TIMESTAMP,
        "typeId": {"type": "integer"},
        "groupId": {"type": "integer"},
        "type": {
            "type": "object",
            "required": ["id", "name", "startOfProduction", "baseType"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "startOfProduction": DATE,
                "baseType": {"type": "string"},
            },
        },
        "group": {
            "type": "object",
            "required": ["id", "ownerId", "name", "latitude", "longitude", "owner"],
            "properties": {
                "id": {"type": "integer"},
                "ownerId": {"type": "integer"},
                "name": {"type": "string"},
                "latitude": {"type": ["number", "null"]},
                "longitude": {"type": ["number", "null"]},
                "owner": {
                    "type": "object",
                    "required": ["id", "name", "email", "demo"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "email": {"type": "string"},
                        "demo": {"type": "boolean"},
                    },
                },
            },
        },
        "errors": {"type": "array", "items": {"type": "string"}},
        "online": {"type": "boolean"},
        "components": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "kind": {"type": "string"},
                    "serialNumber": {"type": "string"},
                },
            },
        },
    },
}

SORT_PATTERN = (
    r"^-?(id|ownerName|serialNumber|hardwareVersion|manufacturingDate|installationDate|"
    r"timezone|createdAt|updatedAt|typeId|groupId)"
    r"(,-?(id|ownerName|serialNumber|hardwareVersion|manufacturingDate|installationDate|"
    r"timezone|createdAt|updatedAt|typeId|groupId))*$"
)

# Ids are integers >= 1 written in ASCII digits (emulator/params.py refuses anything else).
INT64 = {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}


PATHS: dict[str, Any] = {
    "/login/password": {
        "post": {
            "operationId": "loginPassword",
            "summary": "Log in with e-mail and password; returns a JWT",
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["email", "password"],
                            "properties": {
                                "email": {"type": "string", "format": "email"},
                                "password": {"type": "string", "format": "password"},
                                "validity": {
                                    "type": "integer",
                                    "minimum": 0,
                                    "maximum": 31622400,
                                    "default": 86400,
                                },
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "Login successful",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["token"],
                                "properties": {"token": {"type": "string"}},
                            }
                        }
                    },
                },
                "400": STANDARD_ERRORS["400"],
                "429": _error(
                    "Too many failed logins for this e-mail or address; Retry-After gives the "
                    "seconds to wait"
                ),
            },
        }
    },
    "/products": {
        "get": {
            "operationId": "listProducts",
            "summary": "Products the token's user may see",
            "parameters": [
                _query(
                    "count", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "Page size"
                ),
                _query(
                    "page", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "Page, from 1"
                ),
                _query("q", {"type": "string"}, "Free-text search"),
                _query("groupId", INT64, "Only this group's products"),
                _query("installationDate", {"type": "boolean"}, "Installed (true) or not"),
                {
                    "name": "ids",
                    "in": "query",
                    "description": "One or several product ids",
                    "schema": {"type": "array", "items": INT64},
                    "style": "form",
                    "explode": True,
                },
                _query("ownerId", INT64, "Only products of this owner's groups"),
                _query(
                    "sort",
                    {"type": "string", "pattern": SORT_PATTERN},
                    "Comma-separated fields, '-' for descending",
                ),
            ],
            "responses": {
                "200": {
                    "description": "The products",
                    "headers": {
                        "X-Total-Count": {
                            "description": "Matching products before paging (emulator only)",
                            "schema": {"type": "integer"},
                        }
                    },
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/Product"},
                            }
                        }
                    },
                },
                **STANDARD_ERRORS,
            },
        }
    },
}

# --- Export (emulator/export_views.py; bounds mirror its constants, a test checks they agree) ---
_EXPORT_FIELDS = (
    "gridPower|householdPower|inverterPower|pvPower|powerElectronicsPower|stateOfCharge|status|"
    "dcVoltage|electrolyteTemp|pumpTemp"
)
_EXPORT_TIME = {"type": "number", "minimum": 0, "maximum": 253_402_214_400}
EXPORT_ROW = {
    "type": "object",
    "required": ["time"],
    "properties": {
        "time": TIMESTAMP,
        "status": {"enum": ["charging", "discharging", "idle", "standby", "fault"]},
    },
    "additionalProperties": {"type": ["number", "string"]},
}
PATHS["/data/export.{format}"] = {
    "get": {
        "operationId": "exportData",
        "summary": "A product's reports over at most 31 days as CSV or JSON, streamed",
        "parameters": [
            {
                "name": "format",
                "in": "path",
                "required": True,
                "description": "csv or json (anything else: 400)",
                "schema": {"type": "string", "enum": ["csv", "json"]},
            },
            _query("productId", INT64, "Product to export (this or componentId)"),
            _query("componentId", INT64, "Component whose product to export (or productId)"),
            _query("from", _EXPORT_TIME, "UNIX s of the first data point; from < to", True),
            _query("to", _EXPORT_TIME, "UNIX s, exclusive; default now; to - from <= 31 days"),
            _query(
                "fields",
                {"type": "string", "pattern": rf"^({_EXPORT_FIELDS})(,({_EXPORT_FIELDS}))*$"},
                "Comma-separated field keys; default all, in catalogue order",
            ),
            _query(
                "tz",
                {"type": "integer", "minimum": -1439, "maximum": 1439, "default": 0},
                "UTC offset in minutes of the written timestamps",
            ),
            _query(
                "precision",
                {"type": "integer", "minimum": 1, "maximum": 15, "default": 6},
                "Significant digits of numbers",
            ),
            _query(
                "tolerance",
                {"type": "number", "minimum": 0, "default": 0},
                "Ramer-Douglas-Peucker tolerance on [0, 1]-scaled time and value; 0: lossless",
            ),
            _query(
                "separator",
                {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 8,
                    "pattern": r'^[^0-9.+\-:T"\x00-\x08\x0a-\x1f\x7f]+$',
                    "default": ",",
                },
                "CSV cell separator (header and rows)",
            ),
        ],
        "responses": {
            "200": {
                "description": "The export (Content-Disposition names serial number and dates)",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "array", "items": EXPORT_ROW}},
                },
            },
            **STANDARD_ERRORS,
        },
    }
}


# Latest, statistics, the socket (in prose) and the emulator's drop knob.
PATHS.update(DATA_PATHS)


def openapi_document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "VoltStorage API (emulator)",
            "version": "1.0.0",
            "description": "The embedded emulator of the VoltStorage cloud REST API.",
        },
        "servers": [{"url": server_url}],
        "security": [{"BearerAuth": []}, {"TokenQuery": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "BearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "TokenQuery": {"type": "apiKey", "in": "query", "name": "token"},
            },
            "schemas": {"Errors": ERRORS, "Product": PRODUCT},
        },
    }
