"""Password hashing (argon2id), the password policy (CD-2) and opaque tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

PASSWORD_MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def policy_violation(username: str, password: str) -> str | None:
    """Which rule of the password policy (CD-2) a new password breaks, or None:
    at least 10 characters, letters and digits, not containing the username."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return "password_too_short"
    if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
        return "password_needs_letters_and_digits"
    if username and username.lower() in password.lower():
        return "password_contains_username"
    return None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_match(expected: str | None, supplied: str | None) -> bool:
    """Constant-time comparison of two secrets; a missing one never matches."""
    return bool(expected and supplied) and hmac.compare_digest(
        str(expected).encode(), str(supplied).encode()
    )
