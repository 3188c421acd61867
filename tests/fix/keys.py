"""API keys for FIX tests: RSA pairs are generated once per run (generation is slow)."""

import functools

from exchange.services.api_keys import api_key_create, generate_rsa_key_pair


@functools.cache
def _key_pairs(index: int) -> tuple[str, str]:
    return generate_rsa_key_pair()


def fix_key(user, pair: int = 0):
    """(ApiKey, private PEM) for `user`; key pairs are generated once per run (RSA generation is slow)."""
    private_pem, public_pem = _key_pairs(pair)
    return api_key_create(user=user, name="fix test", public_key_pem=public_pem), private_pem
