"""The OpenAPI schema tells the truth about errors: every operation documents the answers the API
gives besides its success, each with the one error body of ``errors.exception_handler``.

Added once for all operations by drf-spectacular postprocessing hooks (SPECTACULAR_SETTINGS).
"""

from __future__ import annotations

ERROR_COMPONENT = "Error"

ERROR_SCHEMA = {
    "type": "object",
    "description": "The API's one error body.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "description": "the HTTP status again"},
                "code": {"type": "string", "description": "machine code, e.g. invalid, not_found"},
                "message": {"type": "string", "description": "for people, in the user's language"},
                "fields": {
                    "type": "object",
                    "description": "validation errors only: the messages of each field",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["status", "code", "message"],
        }
    },
    "required": ["error"],
}

# (status, description, which operations can answer it)
_ALL, _WRITE = "all", "write"
ERRORS = [
    ("400", "Invalid input: query parameters or body (the fields name what is wrong)", _ALL),
    ("401", "Not authenticated (session or `Authorization: Token …`)", _ALL),
    ("403", "The user's roles do not allow this", _ALL),
    ("404", "Not found, or not in the user's stores (also a page number past the end)", _ALL),
    ("409", "Idempotency-Key reused for another request, or its first request is still running", _WRITE),
    ("413", "Body too large", _WRITE),
    ("415", "Unsupported Content-Type of the body", _WRITE),
    ("429", "Too many requests", _ALL),
]
WRITE_METHODS = {"post", "put", "patch"}


# A time of day (DRF's TimeField, e.g. an appointment slot) is local and has no offset, while OpenAPI's
# "format: time" is RFC 3339's full-time, which requires one ("10:00:00+08:00").
LOCAL_TIME = {
    "type": "string",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
    "description": "local time of day, HH:MM or HH:MM:SS",
}


def _local_times(node):
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            del node["format"]
            for key, value in LOCAL_TIME.items():
                node.setdefault(key, value)
        for child in node.values():
            _local_times(child)
    elif isinstance(node, list):
        for child in node:
            _local_times(child)


def local_times(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: times of day described as what the API reads and writes."""
    _local_times(result)
    return result


def add_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: the error responses and their body on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description, applies in ERRORS:
                if applies == _WRITE and method not in WRITE_METHODS:
                    continue
                operation["responses"].setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result
