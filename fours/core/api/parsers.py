"""The API's JSON body: one JSON object, not deeper than MAX_DEPTH, not larger than
DATA_UPLOAD_MAX_MEMORY_SIZE. Anything else is refused with the API's error body (400, or 413 for a
body too large) before a view sees it, so no action has to check ``request.data`` is a dict.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.utils import json

# the deepest body the API takes is {"lines": [{"part": …}]}; nothing needs more than a few levels
MAX_DEPTH = 32


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(_("请求体过大（上限 %(mb)s MB）") % {"mb": round(limit / 1024 / 1024, 1)})


def too_deep(data, limit: int = MAX_DEPTH) -> bool:
    """True when lists/objects nest deeper than ``limit`` (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise BodyTooLarge()
        encoding = parsers.get_encoding(parser_context or {})
        try:
            data = json.loads(
                raw.decode(encoding), parse_constant=json.strict_constant if self.strict else None
            )
        except RecursionError:  # deeper than the interpreter's stack: certainly too deep
            raise ParseError(_("JSON 嵌套过深（最多 %(n)s 层）") % {"n": MAX_DEPTH}) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(_("JSON 格式有误：%(error)s") % {"error": exc}) from None
        if too_deep(data):
            raise ParseError(_("JSON 嵌套过深（最多 %(n)s 层）") % {"n": MAX_DEPTH})
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": [_("请求体必须是一个 JSON 对象")]})
        return data
