"""The API's one request-body parser: JSON, strictly.

Everything a request body could hold that the database or Python cannot take is refused here as a
400, before any view sees it: nesting deep enough to exhaust the parser's recursion, strings with a
lone surrogate (not encodable as UTF-8) or a NUL character (PostgreSQL text cannot hold one), and
the non-standard constants NaN and Infinity.
"""

import json

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import BaseParser

# Kalshi's bodies are at most an object holding a list of objects; this leaves room without letting a
# body of brackets cost more than a flat one.
MAX_DEPTH = 32


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "request body is too large"
    default_code = "request_entity_too_large"


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def check_strings(value: object) -> None:
    """Raise ValueError if `value` nests deeper than MAX_DEPTH or holds a string Postgres cannot store.

    Iterative, so the check itself cannot exhaust the stack.
    """
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep")
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


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
            data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
            check_strings(data)
        except RecursionError:
            raise exceptions.ParseError(f"JSON nested more than {MAX_DEPTH} levels deep") from None
        except UnicodeDecodeError:
            raise exceptions.ParseError("request body is not UTF-8") from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        return data
