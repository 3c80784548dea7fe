"""Pseudonymous keys: keyed hashes of source identifiers with the project's secret."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(secret: str | bytes, kind: str, value: str | bytes) -> str:
    """hmac-sha256 of `value` under the project secret, as hex; `kind` keeps key spaces apart.

    Without the secret a key cannot be linked back to, or tested against, the identifier.
    """
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else bytes(value)
    return hmac.new(key, kind.encode() + b"\0" + data, hashlib.sha256).hexdigest()


def content_key(secret: str | bytes, data: bytes) -> str:
    """Pseudonymous series key of a file without identifiers (PNG, NIfTI): from its bytes."""
    return pseudonym(secret, "file-content", hashlib.sha256(data).digest())
