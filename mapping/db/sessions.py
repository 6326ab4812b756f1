"""Sign-in sessions kept by the database: the only identity the policies believe.

The database opens a session (a random token; it stores only the token's
SHA-256) when a password checks out, or when the app proves with the session
key that it vouches for the user (single-user mode, OpenID Connect). A
transaction acts for a session by naming its token (``db.use_session``); the
row-level security policies find the user from it. The runtime role never
reads a password hash: it gets the argon2 salt and parameters, hashes the
typed password itself and lets the database compare (migration 0006).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret
from sqlalchemy import text
from sqlalchemy.orm import Session

# $argon2id$v=19$m=65536,t=3,p=4$<salt>
_PARAMS = re.compile(r"^\$argon2(id|i|d)\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)$")
_TYPES = {"id": Type.ID, "i": Type.I, "d": Type.D}
HASH_LENGTH = 32  # argon2-cffi's default, which accounts.hash_password uses


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt gave: ``ok`` with a token, ``wrong``, or ``throttled``."""

    outcome: str
    token: str | None = None
    retry_after: int = 0


def encode_password(password: str, salt_and_params: str) -> str | None:
    """The argon2 encoding of ``password`` with the stored salt and parameters.

    >>> enc = encode_password("x", "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ")
    >>> enc.startswith("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$")
    True
    >>> encode_password("x", "not argon2") is None
    True
    """
    match = _PARAMS.match(salt_and_params or "")
    if match is None:
        return None
    kind, version, memory, rounds, lanes, salt_text = match.groups()
    salt = base64.b64decode(salt_text + "=" * (-len(salt_text) % 4))
    encoded = hash_secret(
        password.encode("utf-8"),
        salt,
        time_cost=int(rounds),
        memory_cost=int(memory),
        parallelism=int(lanes),
        hash_len=HASH_LENGTH,
        type=_TYPES[kind],
        version=int(version),
    )
    return encoded.decode("ascii")


def sign_in(session: Session, username: str, password: str, client: str, minutes: int) -> SignIn:
    """Check a password in the database (throttled, logged); a session token when it is right."""
    salt = session.scalar(text("SELECT calmap_sign_in_salt(:u)"), {"u": username})
    encoded = encode_password(password, salt or "")
    row = session.execute(
        text("SELECT outcome, token, retry_after FROM calmap_sign_in(:u, :c, :e, :m)"),
        {"u": username, "c": client, "e": encoded, "m": minutes},
    ).one()
    return SignIn(row.outcome, row.token, row.retry_after or 0)


def trusted_proof(key: bytes, username: str, issued: int) -> str:
    """The HMAC the database asks for before it opens a session without a password."""
    message = f"{username.strip().lower()}:{issued}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def open_trusted(
    session: Session, key: bytes, username: str, client: str, minutes: int
) -> str | None:
    """A session token for ``username`` vouched for with the key, or None if refused."""
    issued = int(time.time())
    return session.scalar(
        text("SELECT calmap_open_trusted_session(:u, :t, :p, :c, :m)"),
        {
            "u": username,
            "t": issued,
            "p": trusted_proof(key, username, issued),
            "c": client,
            "m": minutes,
        },
    )


def touch(session: Session, minutes: int) -> int | None:
    """Keep the transaction's session open ``minutes`` more; its user's id, or None if over."""
    return session.scalar(text("SELECT calmap_touch_session(:m)"), {"m": minutes})


def end(session: Session) -> None:
    """End the transaction's session, in every tab and browser that holds its token."""
    session.execute(text("SELECT calmap_end_session()"))


def current_user_id(session: Session) -> int | None:
    """The user id of the transaction's session, or None when it names no open session.

    ``mapping.services.accounts.current_actor`` makes the actor of it: the
    database floor knows users by id, the services know actors.
    """
    return session.scalar(text("SELECT calmap_user_id()"))


def sign_cookie(key: bytes, token: str) -> str:
    """The cookie value for ``token``: the token and its HMAC with the server's key."""
    mac = hmac.new(key, token.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{token}.{mac}"


def token_from_cookie(key: bytes, value: str | None) -> str | None:
    """The token of a cookie this server signed, else None.

    >>> key = b"k" * 32
    >>> token_from_cookie(key, sign_cookie(key, "abc"))
    'abc'
    >>> token_from_cookie(key, "abc.0000") is None
    True
    """
    if not value or "." not in value:
        return None
    token, mac = value.rsplit(".", 1)
    expected = sign_cookie(key, token).rsplit(".", 1)[1]
    return token if hmac.compare_digest(mac, expected) else None
