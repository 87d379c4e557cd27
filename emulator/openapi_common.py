"""Building blocks shared by the emulator's OpenAPI modules (``openapi`` and ``openapi_data``)."""

from __future__ import annotations

from typing import Any

ERRORS_SCHEMA = {
    "type": "object",
    "required": ["errors"],
    "properties": {"errors": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
}


def error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
    }


def query(name: str, schema: dict[str, Any], description: str, required: bool = False):
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }
