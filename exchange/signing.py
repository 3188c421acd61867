"""Verifying Kalshi request signatures with a stored API key (REST, WebSocket upgrade, FIX logon).

RSA keys sign with RSA-PSS (SHA-256, MGF1 SHA-256, 32-byte salt, the length Kalshi's clients use;
any salt length is accepted); Ed25519 keys sign the message directly.
"""

import base64
import binascii
import functools
import uuid

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from exchange.models import ApiKey


class SignatureError(Exception):
    """The key is unknown or the signature does not verify."""


def load_api_key(key_id: str) -> ApiKey:
    try:
        return ApiKey.objects.select_related("user").get(key_id=uuid.UUID(str(key_id)))
    except (ApiKey.DoesNotExist, ValueError):
        raise SignatureError("unknown API key") from None


def verify(public_key_pem: str, message: bytes, signature_b64: str) -> None:
    """Raise SignatureError unless `signature_b64` signs `message` with this public key."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("signature is not base64") from None
    try:
        key = _public_key(public_key_pem)
    except ValueError:
        raise SignatureError("stored public key is unreadable") from None
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message,
                       padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
                       hashes.SHA256())
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
        else:
            raise SignatureError("unsupported key type")
    except InvalidSignature:
        raise SignatureError("signature does not verify") from None


def sign_rsa_pss(private_key_pem: str, message: bytes) -> str:
    """Sign as Kalshi's clients do (used by tests, benchmarks and the bundled tools)."""
    key = _private_key(private_key_pem)
    signature = key.sign(message, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    return base64.b64encode(signature).decode()


# Loading a PEM is the costly part (an RSA private key is validated on load: ~50 ms), so keys are
# parsed once per process.
@functools.lru_cache(maxsize=1024)
def _public_key(public_key_pem: str):
    return serialization.load_pem_public_key(public_key_pem.encode())


@functools.lru_cache(maxsize=64)
def _private_key(private_key_pem: str):
    return serialization.load_pem_private_key(private_key_pem.encode(), password=None)
