"""API keys: RSA key pairs whose public half verifies request signatures (REST, WebSocket, FIX)."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from exchange.models import ApiKey

ALL_SCOPES = [ApiKey.Scope.READ.value, ApiKey.Scope.WRITE.value]


def generate_rsa_key_pair() -> tuple[str, str]:
    """(private PEM, public PEM) for a new 2048-bit RSA key."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private_pem, public_pem


@transaction.atomic
def api_key_create(*, user: AbstractBaseUser, name: str, public_key_pem: str,
                   scopes: list[str] | None = None) -> ApiKey:
    serialization.load_pem_public_key(public_key_pem.encode())  # raises ValueError when malformed
    return ApiKey.objects.create(user=user, name=name, public_key_pem=public_key_pem,
                                 scopes=list(scopes or ALL_SCOPES))


@transaction.atomic
def api_key_generate(*, user: AbstractBaseUser, name: str, scopes: list[str] | None = None) -> tuple[ApiKey, str]:
    """Create a key and return it with its private PEM, which is not stored."""
    private_pem, public_pem = generate_rsa_key_pair()
    return api_key_create(user=user, name=name, public_key_pem=public_pem, scopes=scopes), private_pem


@transaction.atomic
def api_key_delete(*, user: AbstractBaseUser, key_id: str) -> None:
    ApiKey.objects.filter(user=user, key_id=key_id).delete()
