"""A second connection that acts as the caller's transaction does: a second core for a read.

PostgreSQL runs each connection's query on one core. A long read that needs
nothing the caller's transaction wrote can run on another connection while
the caller's own connection does other work. Row-level security must hold
there exactly as for the caller: before anything else the sibling takes the
role, the session token and the app user the caller's transaction has now
(read from that transaction, not from the thread: the thread may act for no one
while its transaction acts for a user). The sibling's transaction is read-only
and rolled back; it sees only what others committed, so the caller checks that
what it reads there is what its own transaction sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from mapping.db import APP_USER_SETTING, SESSION_SETTING, set_app_user, use_session

# Milliseconds a sibling waits for a lock.
LOCK_TIMEOUT_MS = 2000

_CALLER = text(
    "SELECT session_user = current_user AS same_role, quote_ident(current_user) AS role, "
    "current_setting(:session, true) AS token, current_setting(:app_user, true) AS app_user"
)


@contextmanager
def sibling(session: Session) -> Iterator[Connection]:
    """A read-only connection beside ``session``'s, as its transaction's user; closed after.

    Open it in the caller's thread; it may then be used from one other thread.
    """
    caller = session.execute(
        _CALLER, {"session": SESSION_SETTING, "app_user": APP_USER_SETTING}).one()
    engine = session.get_bind().engine
    with engine.connect() as conn:
        conn.begin()
        try:
            if not caller.same_role:
                # A role name quoted by the server itself: SET takes no bound parameter.
                conn.exec_driver_sql(f"SET LOCAL ROLE {caller.role}")
            # Always set, also when empty: the engine's own hook may have named the
            # thread's token, which need not be the transaction's.
            use_session(conn, caller.token)
            set_app_user(conn, caller.app_user)
            # A lock the caller holds would keep the sibling waiting for ever, and the
            # caller waiting for it: give up instead (OperationalError).
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield conn
        finally:
            conn.rollback()
