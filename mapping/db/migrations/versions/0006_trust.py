"""Trust: an identity the session cannot forge, row-level security on every table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Before this revision the policies read the acting user from the setting
``calmap.app_user``, which any statement may change with ``set_config``. Now:

- **Sessions.** Signing in creates a row in ``app_session`` and gives the app
  a random 256-bit token; the table keeps only the token's SHA-256. A
  transaction names its session with ``set_config('calmap.session', token)``,
  and ``calmap_user_id()`` (SECURITY DEFINER) finds the user of an open,
  unexpired session with that hash. Setting another value gives another
  user only to someone who already holds that user's token; ``calmap.app_user``
  now only labels history written by the owner (the CLI, QGIS).
- **Sign-in in the database.** The runtime role never reads a password hash:
  ``calmap_sign_in_salt`` gives the argon2 parameters and salt (a keyed fake
  for unknown accounts, so nothing tells which accounts exist), the app hashes
  the typed password with them, and ``calmap_sign_in`` compares, throttles
  (per account and per client, growing delays), logs the attempt in
  ``sign_in_attempt`` and opens the session.
- **Trusted sessions.** Single-user mode and OpenID Connect have no password:
  ``calmap_open_trusted_session`` opens a session for a user only with an
  HMAC made with the key in ``calmap_secret``, which no role but the owner
  reads; the app gets the key from its configuration, never from a query.
- **Every table** that holds user data has row-level security. Reading needs a
  signed-in user; history rows of a pin are visible only to those who may see
  that version of it; writes follow the roles (admins everything, editors their
  teams' areas and partnerships, viewers nothing). The policies read the user
  once per statement (uncorrelated sub-selects become init plans).
- **No hijacking.** Every SECURITY DEFINER function searches ``pg_temp`` last,
  so a temporary table named ``app_user`` cannot stand in for the real one.

The runtime login role (``calmap_runtime``; the embedded cluster creates it, a
city's DBA on a shared server) becomes a member of ``calmap_app`` and of
nothing else.
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APP_ROLE = "calmap_app"
RUNTIME_ROLE = "calmap_runtime"
PIN_TABLES = ("resource", "partner", "need")

# Shorthands for the policies: uncorrelated sub-selects, evaluated once per statement.
ROLE = "(SELECT calmap_user_role())"
SIGNED_IN = f"{ROLE} IS NOT NULL"
ADMIN = f"{ROLE} = 'admin'"
TEAM_AREAS = "CAST((SELECT calmap_team_area_ids()) AS integer[])"
TEAMS = "CAST((SELECT calmap_team_ids()) AS integer[])"


def _pin_visible(visibility: str, area: str) -> str:
    return (
        # Casts to text keep the stored expression the same through dump and restore.
        f"({ADMIN} OR ({SIGNED_IN} AND CAST({visibility} AS text) IN ('public', 'partnership')) "
        f"OR {area} = ANY ({TEAM_AREAS}))"
    )


def _pin_editable(area: str) -> str:
    return f"({ADMIN} OR {area} = ANY ({TEAM_AREAS}))"


def _partnership_editable(partnership: str) -> str:
    return (
        f"({ADMIN} OR EXISTS (SELECT 1 FROM partnership p WHERE p.id = {partnership} "
        f"AND p.team_id = ANY ({TEAMS})))"
    )


TABLES = """
CREATE TABLE app_session (
    id bigserial PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    user_id integer NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    client text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_seen_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    expires_at timestamptz NOT NULL,
    ended_at timestamptz
);
CREATE INDEX ix_app_session_user ON app_session (user_id);
CREATE TABLE sign_in_attempt (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    username text NOT NULL,
    client text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('ok', 'wrong', 'throttled', 'trusted', 'refused'))
);
CREATE INDEX ix_sign_in_attempt_username ON sign_in_attempt (username, at);
CREATE INDEX ix_sign_in_attempt_client ON sign_in_attempt (client, at);
CREATE TABLE calmap_secret (
    name text PRIMARY KEY,
    value bytea NOT NULL
);
INSERT INTO calmap_secret (name, value) VALUES ('session_key', gen_random_bytes(32));
"""

# Every SECURITY DEFINER function: search_path with pg_temp last (see the docstring).
DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION calmap_session_token_hash() RETURNS bytea
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT sha256(convert_to(NULLIF(current_setting('calmap.session', true), ''), 'UTF8'))
$$;

CREATE OR REPLACE FUNCTION calmap_user_id() RETURNS integer
LANGUAGE sql STABLE {DEFINER} AS $$
    SELECT s.user_id FROM app_session s JOIN app_user u ON u.id = s.user_id
    WHERE s.token_hash = calmap_session_token_hash()
      AND s.ended_at IS NULL AND s.expires_at > clock_timestamp() AND u.active
$$;

CREATE OR REPLACE FUNCTION calmap_user_role() RETURNS text
LANGUAGE sql STABLE {DEFINER} AS $$
    SELECT role FROM app_user WHERE id = calmap_user_id()
$$;

CREATE OR REPLACE FUNCTION calmap_username() RETURNS text
LANGUAGE sql STABLE {DEFINER} AS $$
    SELECT username FROM app_user WHERE id = calmap_user_id()
$$;

-- The teams of an editor (empty for viewers and admins: admins need no list).
CREATE OR REPLACE FUNCTION calmap_team_ids() RETURNS integer[]
LANGUAGE sql STABLE {DEFINER} AS $$
    SELECT coalesce(array_agg(m.team_id), '{{}}')
    FROM team_member m
    WHERE m.user_id = calmap_user_id() AND calmap_user_role() = 'editor'
$$;

-- The areas of an editor's teams: where they see team-only pins and may write.
CREATE OR REPLACE FUNCTION calmap_team_area_ids() RETURNS integer[]
LANGUAGE sql STABLE {DEFINER} AS $$
    SELECT coalesce(array_agg(a.id), '{{}}')
    FROM area a JOIN team_member m ON m.team_id = a.team_id
    WHERE m.user_id = calmap_user_id() AND calmap_user_role() = 'editor'
$$;

CREATE OR REPLACE FUNCTION calmap_session_key() RETURNS bytea
LANGUAGE sql STABLE {DEFINER} AS $$
    SELECT value FROM calmap_secret WHERE name = 'session_key'
$$;

CREATE OR REPLACE FUNCTION calmap_new_session(p_user integer, p_client text, p_minutes integer)
RETURNS text LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
DECLARE
    token text := encode(gen_random_bytes(32), 'hex');
BEGIN
    INSERT INTO app_session (token_hash, user_id, client, expires_at)
    VALUES (sha256(convert_to(token, 'UTF8')), p_user, left(p_client, 200),
            clock_timestamp() + make_interval(mins => least(greatest(p_minutes, 1), 1440)));
    RETURN token;
END
$$;

-- Seconds to wait before the next sign-in attempt: after 3 wrong passwords for
-- an account since its last success, or 10 from one client within the hour,
-- 5 s, then doubling up to 15 minutes.
CREATE OR REPLACE FUNCTION calmap_sign_in_wait(p_username text, p_client text) RETURNS integer
LANGUAGE sql STABLE {DEFINER} AS $$
    WITH by_account AS (
        SELECT count(*) AS n, max(at) AS last FROM sign_in_attempt
        WHERE username = p_username AND outcome = 'wrong'
          AND at > clock_timestamp() - interval '1 hour'
          AND at > coalesce((SELECT max(at) FROM sign_in_attempt
                             WHERE username = p_username AND outcome = 'ok'), '-infinity')
    ), by_client AS (
        SELECT count(*) AS n, max(at) AS last FROM sign_in_attempt
        WHERE client = p_client AND outcome = 'wrong'
          AND at > clock_timestamp() - interval '1 hour'
    ), waits AS (
        SELECT CASE WHEN n < 3 THEN 0 ELSE extract(epoch FROM
            last + make_interval(secs => least(900, 5 * 2 ^ (n - 3))) - clock_timestamp()) END AS w
        FROM by_account
        UNION ALL
        SELECT CASE WHEN n < 10 THEN 0 ELSE extract(epoch FROM
            last + make_interval(secs => least(900, 5 * 2 ^ (n - 10))) - clock_timestamp()) END
        FROM by_client
    )
    SELECT greatest(0, ceil(max(w)))::integer FROM waits
$$;

-- The argon2 parameters and salt to hash a typed password with; for an unknown
-- account a salt made from the name with the secret key, the same every time.
CREATE OR REPLACE FUNCTION calmap_sign_in_salt(p_username text) RETURNS text
LANGUAGE plpgsql STABLE {DEFINER} AS $$
DECLARE
    stored text;
BEGIN
    SELECT password_hash INTO stored FROM app_user
    WHERE username = lower(btrim(p_username)) AND active;
    IF stored LIKE '$argon2%' THEN
        RETURN regexp_replace(stored, '\\$[^$]*$', '');
    END IF;
    RETURN '$argon2id$v=19$m=65536,t=3,p=4$' || rtrim(encode(substr(
        hmac(convert_to(lower(btrim(p_username)), 'UTF8'), calmap_session_key(), 'sha256'),
        1, 16), 'base64'), '=');
END
$$;

CREATE OR REPLACE FUNCTION calmap_sign_in(
    p_username text, p_client text, p_encoded text, p_minutes integer
) RETURNS TABLE (outcome text, token text, retry_after integer)
LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
DECLARE
    uname text := left(lower(btrim(coalesce(p_username, ''))), 200);
    who text := left(coalesce(p_client, ''), 200);
    wait integer := calmap_sign_in_wait(uname, who);
    uid integer;
    stored text;
BEGIN
    IF wait > 0 THEN
        INSERT INTO sign_in_attempt (username, client, outcome) VALUES (uname, who, 'throttled');
        RETURN QUERY SELECT 'throttled'::text, NULL::text, wait;
        RETURN;
    END IF;
    SELECT u.id, u.password_hash INTO uid, stored FROM app_user u
    WHERE u.username = uname AND u.active;
    IF stored IS NULL OR p_encoded IS NULL OR stored <> p_encoded THEN
        INSERT INTO sign_in_attempt (username, client, outcome) VALUES (uname, who, 'wrong');
        RETURN QUERY SELECT 'wrong'::text, NULL::text, 0;
        RETURN;
    END IF;
    INSERT INTO sign_in_attempt (username, client, outcome) VALUES (uname, who, 'ok');
    RETURN QUERY SELECT 'ok'::text, calmap_new_session(uid, who, p_minutes), 0;
END
$$;

-- A session without a password (single-user mode, OpenID Connect), for a proof
-- hex(HMAC-SHA256(key, username ':' issued)) made within the last two minutes.
CREATE OR REPLACE FUNCTION calmap_open_trusted_session(
    p_username text, p_issued bigint, p_proof text, p_client text, p_minutes integer
) RETURNS text
LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
DECLARE
    uname text := left(lower(btrim(coalesce(p_username, ''))), 200);
    who text := left(coalesce(p_client, ''), 200);
    uid integer;
BEGIN
    IF p_issued IS NULL OR abs(extract(epoch FROM clock_timestamp()) - p_issued) > 120
       OR p_proof IS DISTINCT FROM encode(hmac(
            convert_to(uname || ':' || p_issued, 'UTF8'), calmap_session_key(), 'sha256'), 'hex')
    THEN
        INSERT INTO sign_in_attempt (username, client, outcome) VALUES (uname, who, 'refused');
        RETURN NULL;
    END IF;
    SELECT id INTO uid FROM app_user WHERE username = uname AND active;
    IF uid IS NULL THEN
        INSERT INTO sign_in_attempt (username, client, outcome) VALUES (uname, who, 'refused');
        RETURN NULL;
    END IF;
    INSERT INTO sign_in_attempt (username, client, outcome) VALUES (uname, who, 'trusted');
    RETURN calmap_new_session(uid, who, p_minutes);
END
$$;

-- Keep the current session open for p_minutes more; the user's id, or NULL
-- when the session has ended or expired.
CREATE OR REPLACE FUNCTION calmap_touch_session(p_minutes integer) RETURNS integer
LANGUAGE sql VOLATILE {DEFINER} AS $$
    UPDATE app_session s
    SET last_seen_at = clock_timestamp(),
        expires_at = clock_timestamp() + make_interval(mins => least(greatest(p_minutes, 1), 1440))
    FROM app_user u
    WHERE u.id = s.user_id AND u.active
      AND s.token_hash = calmap_session_token_hash()
      AND s.ended_at IS NULL AND s.expires_at > clock_timestamp()
    RETURNING s.user_id
$$;

CREATE OR REPLACE FUNCTION calmap_end_session() RETURNS void
LANGUAGE sql VOLATILE {DEFINER} AS $$
    UPDATE app_session SET ended_at = clock_timestamp()
    WHERE token_hash = calmap_session_token_hash() AND ended_at IS NULL
$$;

-- For the owner only (the CLI acting as a user, tests): a session for an account.
CREATE OR REPLACE FUNCTION calmap_session_for(p_username text, p_minutes integer) RETURNS text
LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
DECLARE
    uid integer;
BEGIN
    SELECT id INTO uid FROM app_user WHERE username = lower(btrim(p_username)) AND active;
    IF uid IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN calmap_new_session(uid, 'owner', p_minutes);
END
$$;

CREATE OR REPLACE FUNCTION calmap_record_history() RETURNS trigger
LANGUAGE plpgsql {DEFINER} AS $$
BEGIN
    INSERT INTO layer_history (table_name, row_id, operation, app_user, db_user, row_data)
    VALUES (
        TG_TABLE_NAME,
        CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
        TG_OP,
        -- The signed-in session's user; only the owner's own edits are labelled
        -- by the setting (the runtime role cannot write without a session).
        coalesce(calmap_username(), NULLIF(current_setting('calmap.app_user', true), '')),
        session_user,
        CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END
    );
    RETURN NULL;
END
$$;
"""

# Functions of 0002 and 0004 whose bodies stand as they were (they read the user
# through calmap_user_id/calmap_user_role, now the session's); only their search
# path changes, to put pg_temp last.
EARLIER_DEFINER_FUNCTIONS = (
    "calmap_in_area_team(integer)",
    "calmap_may_edit_area(integer)",
    "calmap_may_see(text, integer)",
    "calmap_may_edit_team(integer)",
)

OWNER_ONLY_FUNCTIONS = (
    "calmap_session_key()",
    "calmap_new_session(integer, text, integer)",
    "calmap_session_for(text, integer)",
)

POLICY_TABLES = (
    "app_user",
    "category",
    "team",
    "team_member",
    "partnership",
    "partnership_area",
    "partnership_member",
    "need_resource",
    "submitted_form",
    "layer_history",
)
# Tables only the owner touches; RLS on with no policy, in case of a stray grant.
OWNER_TABLES = ("app_session", "sign_in_attempt", "calmap_secret")


def _policies() -> list[str]:
    stmts: list[str] = []

    def policy(table: str, action: str, clause: str) -> None:
        name = f"{table}_{action.lower()}"
        stmts.append(f"CREATE POLICY {name} ON {table} FOR {action} TO {APP_ROLE} {clause}")

    for table in PIN_TABLES:
        policy(table, "SELECT", f"USING ({_pin_visible('visibility', 'area_id')})")
        policy(table, "INSERT", f"WITH CHECK ({_pin_editable('area_id')})")
        policy(
            table,
            "UPDATE",
            f"USING ({_pin_editable('area_id')}) WITH CHECK ({_pin_editable('area_id')})",
        )
        policy(table, "DELETE", f"USING ({_pin_editable('area_id')})")

    policy("area", "SELECT", f"USING ({SIGNED_IN})")
    policy("area", "INSERT", f"WITH CHECK ({ADMIN})")
    # An editor may change their team's areas, but not give one to another team.
    policy(
        "area",
        "UPDATE",
        f"USING ({_pin_editable('id')}) "
        f"WITH CHECK ({ADMIN} OR (id = ANY ({TEAM_AREAS}) AND team_id = ANY ({TEAMS})))",
    )
    policy("area", "DELETE", f"USING ({ADMIN})")

    for table in ("app_user", "category", "team", "team_member"):
        policy(table, "SELECT", f"USING ({SIGNED_IN})")
    for table in ("category", "team"):
        policy(table, "INSERT", f"WITH CHECK ({ADMIN})")
        policy(table, "UPDATE", f"USING ({ADMIN}) WITH CHECK ({ADMIN})")
        policy(table, "DELETE", f"USING ({ADMIN})")
    policy("team_member", "INSERT", f"WITH CHECK ({ADMIN})")
    policy("team_member", "DELETE", f"USING ({ADMIN})")

    own_team = f"({ADMIN} OR team_id = ANY ({TEAMS}))"
    policy("partnership", "SELECT", f"USING ({SIGNED_IN})")
    policy("partnership", "INSERT", f"WITH CHECK ({own_team})")
    policy("partnership", "UPDATE", f"USING ({own_team}) WITH CHECK ({own_team})")
    policy("partnership", "DELETE", f"USING ({own_team})")
    for table in ("partnership_area", "partnership_member"):
        editable = _partnership_editable("partnership_id")
        policy(table, "SELECT", f"USING ({SIGNED_IN})")
        policy(table, "INSERT", f"WITH CHECK ({editable})")
        policy(table, "UPDATE", f"USING ({editable}) WITH CHECK ({editable})")
        policy(table, "DELETE", f"USING ({editable})")

    # A link is visible when both ends are (the sub-selects run under RLS too).
    policy(
        "need_resource",
        "SELECT",
        "USING (EXISTS (SELECT 1 FROM need n WHERE n.id = need_id) "
        "AND EXISTS (SELECT 1 FROM resource r WHERE r.id = resource_id))",
    )
    need_editable = (
        f"EXISTS (SELECT 1 FROM need n WHERE n.id = need_id AND {_pin_editable('n.area_id')})"
    )
    policy("need_resource", "INSERT", f"WITH CHECK ({need_editable})")
    policy("need_resource", "DELETE", f"USING ({need_editable})")

    writer = f"{ROLE} IN ('admin', 'editor')"
    policy("submitted_form", "SELECT", f"USING ({writer})")
    policy("submitted_form", "INSERT", f"WITH CHECK ({writer})")

    # A version of a pin is visible to whoever may see the pin as it was then.
    pin_version = _pin_visible("row_data->>'visibility'", "(row_data->>'area_id')::integer")
    policy(
        "layer_history",
        "SELECT",
        f"USING (CASE WHEN CAST(table_name AS text) IN ('resource', 'partner', 'need') "
        f"THEN {pin_version} ELSE {SIGNED_IN} END)",
    )
    return stmts


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
    op.execute(TABLES)
    op.execute(FUNCTIONS)
    for signature in EARLIER_DEFINER_FUNCTIONS:
        op.execute(f"ALTER FUNCTION {signature} SET search_path = public, pg_temp")
    for signature in OWNER_ONLY_FUNCTIONS:
        op.execute(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC")
    for table in OWNER_TABLES:
        op.execute(f"REVOKE ALL ON {table} FROM PUBLIC")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")

    # Replace the per-row policies of 0002 by the once-per-statement ones.
    for table in (*PIN_TABLES, "area"):
        for action in ("read", "insert", "update", "delete"):
            op.execute(f"DROP POLICY IF EXISTS {table}_{action} ON {table}")
    for table in POLICY_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")

    # Accounts: the runtime reads names and roles, never password hashes.
    op.execute(f"REVOKE ALL ON app_user FROM {APP_ROLE}")
    op.execute(
        f"GRANT SELECT (id, username, display_name, role, active, created_at) "
        f"ON app_user TO {APP_ROLE}"
    )
    op.execute(f"GRANT INSERT, DELETE ON team_member TO {APP_ROLE}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON layer_history FROM {APP_ROLE}")
    op.execute(f"GRANT SELECT ON alembic_version TO {APP_ROLE}")
    for stmt in _policies():
        op.execute(stmt)

    # Temporary tables are what a hijack of a function's search path would need.
    op.execute(
        "DO $$ BEGIN EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', "
        "current_database()); END $$"
    )
    op.execute(
        f"""
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{RUNTIME_ROLE}') THEN
                GRANT {APP_ROLE} TO {RUNTIME_ROLE};
            ELSE
                RAISE NOTICE 'role {RUNTIME_ROLE} does not exist: the app cannot connect yet';
            END IF;
        END $$
        """
    )


def downgrade() -> None:
    # Going back would hand identity to a setting any statement may change again;
    # restore a backup taken before the upgrade instead (calmap db restore).
    raise NotImplementedError("0006 cannot be downgraded: restore a backup made before it")
