"""Django's middleware, arranged so an API request pays only for what it uses.

Under ASGI Django runs every hook of a sync middleware through a thread hop (to the request's sync
thread and back): about a dozen hops a request. Hooks that only read and write the request and response
run in the event loop instead (`InLoop`). The middleware that serve browser
sessions (sessions, CSRF, login, messages) step aside for API requests no session can matter to
(`BrowserOnly`): signed ones, which the signature alone authenticates, and ones without a session cookie.
"""

from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponseBase
from django.middleware import clickjacking, common, csrf, security
from django.utils.deprecation import MiddlewareMixin

from exchange.api.auth import KEY_HEADER
from exchange.api.errors import is_api_path


def session_free(request: HttpRequest) -> bool:
    """An API request that no browser session can matter to: signed, or without a session cookie."""
    if not is_api_path(request.path):
        return False
    return bool(request.META.get(KEY_HEADER)) or settings.SESSION_COOKIE_NAME not in request.COOKIES


class InLoop(MiddlewareMixin):
    """Runs process_request and process_response in the event loop, for middleware whose hooks do no I/O."""

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.process_request(request) if hasattr(self, "process_request") else None
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            response = self.process_response(request, response)
        return response


class BrowserOnly(MiddlewareMixin):
    """Passes session-free API requests straight through."""

    def __call__(self, request: HttpRequest):
        if session_free(request):
            return self.get_response(request)
        return super().__call__(request)


class SecurityMiddleware(InLoop, security.SecurityMiddleware):
    pass


class CommonMiddleware(InLoop, common.CommonMiddleware):
    pass


class XFrameOptionsMiddleware(InLoop, clickjacking.XFrameOptionsMiddleware):
    pass


class AuthenticationMiddleware(BrowserOnly, InLoop, auth.AuthenticationMiddleware):
    """Sets a lazy user: the database is read only when a view asks who it is."""


class CsrfViewMiddleware(BrowserOnly, InLoop, csrf.CsrfViewMiddleware):
    """CSRF reads only cookies and headers (CSRF_USE_SESSIONS is off), so its view hook runs in the loop too:
    Django would otherwise hop to a thread for it on every request, whatever the view."""

    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        if self.async_mode:
            self.process_view = self._process_view_in_loop

    def process_view(self, request: HttpRequest, callback, callback_args, callback_kwargs):
        if session_free(request):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)

    async def _process_view_in_loop(self, request: HttpRequest, callback, callback_args, callback_kwargs):
        return CsrfViewMiddleware.process_view(self, request, callback, callback_args, callback_kwargs)


# These may read or write the session store, so for browsers they keep Django's thread hops.
class SessionMiddleware(BrowserOnly, sessions.SessionMiddleware):
    pass


class MessageMiddleware(BrowserOnly, messages.MessageMiddleware):
    pass
