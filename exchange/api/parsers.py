"""The API's one request-body parser: JSON, strictly.

Everything a request body could hold that the database or Python cannot take is refused here as a
400, before any view sees it: nesting deep enough to exhaust the parser's recursion, strings with a
lone surrogate (not encodable as UTF-8) or a NUL character (PostgreSQL text cannot hold one), and
the non-standard constants NaN and Infinity.
"""

import json
import re

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import BaseParser


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "request body is too large"
    default_code = "request_entity_too_large"


# In JSON text a NUL or a surrogate can only be written as a \u escape (a raw control character is not
# valid JSON, and the text decoded as UTF-8), so only texts with such an escape need their strings read.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def check_strings(value: object, text: str) -> None:
    """Raise ValueError if `value`, parsed from the JSON `text`, holds a string Postgres cannot store: a
    NUL or a lone surrogate (a paired one is a character and fine). Iterative, whatever the nesting."""
    if _SUSPECT_ESCAPE.search(text) is None:
        return
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise ValueError("strings may not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("strings may not contain lone surrogates (\\ud800-\\udfff)") from None


class StrictJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None) -> object:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # HttpRequest.read() does not apply Django's body limit (only .body does), so apply it here.
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(f"request body is larger than {limit} bytes")
        try:
            text = raw.decode("utf-8")
            data = json.loads(text, parse_constant=_no_constant)
            check_strings(data, text)
        except RecursionError:
            raise exceptions.ParseError("JSON nested too deeply") from None
        except UnicodeDecodeError:
            raise exceptions.ParseError("request body is not UTF-8") from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        return data
