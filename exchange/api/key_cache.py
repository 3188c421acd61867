"""API keys held in this process's memory, so a signed request does not read the database for its key.

An entry (the key's user, scopes and public key) is trusted for EXCHANGE["API_KEY_CACHE_S"] seconds
after it was read. A change to a key or its user saved in this process (revoke, scopes, deactivation)
drops the affected entries at once and again when its transaction commits, so a read racing the change
cannot put the old row back. Another process notices when its entry expires: a key revoked anywhere
is refused everywhere within API_KEY_CACHE_S seconds.
"""

import copy
import threading
import time
import uuid
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from exchange.models import ApiKey


@dataclass(frozen=True)
class CachedApiKey:
    """What authenticating with a key needs. `user` is a template: each request gets its own copy."""

    key_id: uuid.UUID
    user: AbstractBaseUser
    scopes: tuple[str, ...]
    public_key_pem: str
    expires_at: float

    def can_write(self) -> bool:
        return ApiKey.Scope.WRITE in self.scopes

    def request_user(self) -> AbstractBaseUser:
        """A copy of the key's user for one request (model instances are mutable; requests run at once)."""
        return copy.copy(self.user)


class ApiKeyCache:
    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[uuid.UUID, CachedApiKey] = {}
        # Bumped by every invalidation: a read that started before one does not store what it read.
        self._generation = 0

    def cached(self, key_id: uuid.UUID) -> CachedApiKey | None:
        """The live entry for `key_id`, without touching the database."""
        entry = self._entries.get(key_id)
        return entry if entry is not None and entry.expires_at > self.clock() else None

    def load(self, key_id: uuid.UUID) -> CachedApiKey | None:
        """The entry for `key_id`, read from the database unless cached; None for an unknown key."""
        entry = self.cached(key_id)
        if entry is not None:
            return entry
        generation = self._generation
        row = self._read(key_id)
        if row is None:
            return None
        entry = CachedApiKey(key_id=row.key_id, user=row.user, scopes=tuple(row.scopes),
                             public_key_pem=row.public_key_pem,
                             expires_at=self.clock() + settings.EXCHANGE["API_KEY_CACHE_S"])
        with self._lock:
            if self._generation == generation:
                self._entries[key_id] = entry
        return entry

    def _read(self, key_id: uuid.UUID) -> ApiKey | None:
        return ApiKey.objects.select_related("user").filter(key_id=key_id).first()

    async def aload(self, key_id: uuid.UUID) -> CachedApiKey | None:
        """`load` for asyncio callers: a cached key costs no thread hop."""
        entry = self.cached(key_id)
        return entry if entry is not None else await sync_to_async(self.load)(key_id)

    def drop(self, *, key_id: uuid.UUID | None = None, user_id: int | None = None) -> None:
        """Forget the entry of `key_id` and every entry of `user_id`."""
        with self._lock:
            self._generation += 1
            for cached_id, entry in list(self._entries.items()):
                if cached_id == key_id or entry.user.pk == user_id:
                    del self._entries[cached_id]

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


API_KEYS = ApiKeyCache()


def _drop_now_and_on_commit(**which) -> None:
    API_KEYS.drop(**which)
    transaction.on_commit(lambda: API_KEYS.drop(**which))


@receiver(post_save, sender=ApiKey, dispatch_uid="key_cache_api_key_saved")
@receiver(post_delete, sender=ApiKey, dispatch_uid="key_cache_api_key_deleted")
def _api_key_changed(sender, instance: ApiKey, **kwargs) -> None:
    _drop_now_and_on_commit(key_id=instance.key_id)


@receiver(post_save, sender=get_user_model(), dispatch_uid="key_cache_user_saved")
@receiver(post_delete, sender=get_user_model(), dispatch_uid="key_cache_user_deleted")
def _user_changed(sender, instance: AbstractBaseUser, **kwargs) -> None:
    _drop_now_and_on_commit(user_id=instance.pk)
