"""Generate an RSA key pair for a user, store the public key, and write the private key to a file."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from exchange.services.api_keys import api_key_generate


class Command(BaseCommand):
    help = "Create an API key for a user; the private key PEM is written to a file (mode 600)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--out", help="private key path (default var/keys/<user>-<key id>.pem)")
        parser.add_argument("--read-only", action="store_true")

    def handle(self, *args, user, name, out, read_only, **options):
        try:
            owner = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {user!r}") from None
        key, private_pem = api_key_generate(user=owner, name=name or f"{user} key",
                                            scopes=["read"] if read_only else None)
        path = Path(out) if out else settings.VAR_DIR / "keys" / f"{user}-{key.key_id}.pem"
        write_private_key(path, private_pem)
        self.stdout.write(f"key id {key.key_id}\nprivate key {path}")


def write_private_key(path: Path, private_pem: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(private_pem)
    path.chmod(0o600)
