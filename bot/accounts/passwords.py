"""Passwords: argon2id hashes (argon2-cffi), what a password must be, and one-time passwords.

argon2id is the memory-hard hash RFC 9106 recommends for passwords: a stolen accounts table
costs an attacker 64 MiB and several passes per guess. The hasher's parameters are argon2-cffi's
defaults (RFC 9106's low-memory profile); when they change, :func:`needs_rehash` tells the
sign-in to store a new hash while it still has the password in hand.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 128  # argon2 takes any length; a cap keeps one request from costing much more than another
# One-time passwords are read off a screen and typed once: no 0/O, 1/l/I.
_READABLE = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(hashed: str, password: str) -> bool:
    """Whether ``password`` matches ``hashed`` (a damaged hash matches nothing)."""
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    return _hasher.check_needs_rehash(hashed)


@lru_cache(maxsize=1)
def _decoy() -> str:
    return hash_password(secrets.token_urlsafe(16))


def make_decoy() -> None:
    """Hash the decoy now (at the web server's start), so a stranger's first unknown name is not
    the one sign-in that costs a hash more than the others."""
    _decoy()


def spend_like_a_check(password: str) -> None:
    """Take as long as checking a real password, so an unknown account name answers no faster
    than a wrong password (a stopwatch must not tell which names exist)."""
    verify_password(_decoy(), password)


def weakness(password: str, account: str) -> str | None:
    """Why ``password`` is not good enough for ``account`` (in Chinese, for the person), or None."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 个字符"
    if len(password) > MAX_LENGTH:
        return f"密码最多 {MAX_LENGTH} 个字符"
    if password.strip() != password:
        return "密码的首尾不能是空格"
    if account and account.lower() in password.lower():
        return "密码不能包含账号名"
    if len(set(password)) < 4:
        return "密码太简单：请用更多不同的字符"
    return None


def one_time_password() -> str:
    """A password an administrator hands over once (groups of four, about 95 bits)."""
    chars = "".join(secrets.choice(_READABLE) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))
