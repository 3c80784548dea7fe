"""Pseudonymous keys: keyed hashes of source identifiers, keyed outside the project.

The key is the installation's (a file in the user data folder, mode 0600, made on first use) or
a site's (a file its admin names in SPHERICITY_SITE_KEY_FILE). Each project mixes in its own
random salt, so keys of one study differ between projects. A project file alone therefore holds
no key: its subject and series keys cannot be tested against guessed identifiers.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from core.paths import SITE_KEY_ENV, pseudonym_key_path

KEY_BYTES = 32
MIN_KEY_CHARS = 32


class KeyFileError(OSError):
    """The pseudonym key file cannot be read, made, or is too short to be a key."""


def pseudonym(secret: str | bytes, kind: str, value: str | bytes) -> str:
    """hmac-sha256 of `value` under the secret, as hex; `kind` keeps key spaces apart.

    Without the secret a key cannot be linked back to, or tested against, the identifier.
    """
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else bytes(value)
    return hmac.new(key, kind.encode() + b"\0" + data, hashlib.sha256).hexdigest()


def content_key(secret: str | bytes, data: bytes) -> str:
    """Pseudonymous series key of a file without identifiers (PNG, NIfTI): from its bytes."""
    return pseudonym(secret, "file-content", hashlib.sha256(data).digest())


def project_secret(salt: str) -> str:
    """The secret a project's pseudonyms are keyed with: the key file's key and the project's
    salt (64 hex characters). Never stored anywhere; recomputed where the key file is."""
    material = b"sphericity-project-pseudonyms\0" + salt.encode()
    return hmac.new(pseudonym_key(), material, hashlib.sha256).hexdigest()


def pseudonym_key() -> bytes:
    """The site's key if SPHERICITY_SITE_KEY_FILE names one, else this installation's key
    (made on first use, readable by its owner only)."""
    path = pseudonym_key_path()
    if os.environ.get(SITE_KEY_ENV):
        return _read_key(path)
    try:
        return _read_key(path)
    except FileNotFoundError:
        return _make_key(path)


def _read_key(path) -> bytes:
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:
        if os.environ.get(SITE_KEY_ENV):
            raise KeyFileError(
                f"the site key file {path} ({SITE_KEY_ENV}) does not exist"
            ) from None
        raise
    except OSError as exc:
        raise KeyFileError(f"cannot read the pseudonym key file {path} ({exc.strerror})") from None
    if len(key) < MIN_KEY_CHARS:
        raise KeyFileError(
            f"the pseudonym key file {path} is too short (at least {MIN_KEY_CHARS} characters)"
        )
    return key


def _make_key(path) -> bytes:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return _read_key(path)
    except OSError as exc:
        raise KeyFileError(f"cannot make the pseudonym key file {path} ({exc.strerror})") from None
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(KEY_BYTES) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return _read_key(path)
