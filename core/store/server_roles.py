"""Identity and permissions on a PostgreSQL server: database roles, GRANTs and row-level security.

On a server, who reads is the database login (current_user), not a typed name. Each login is a
member of one group role, `sphericity_annotator`, `sphericity_reviewer` or `sphericity_clinician`,
and the server enforces the rules the window follows:

- annotators read their own readings and, once an image is reviewed (it has readings and every
  one of them is approved or rejected), the others' readings of it; never another reader's
  landmarks before that (blinding), in the readings or in the audit log;
- only reviewers approve or reject, and only reviewers import, split and manage runs; annotators
  and clinicians change only their own readings, as draft or submitted, and never once approved;
- clinicians read every reading (they compare model and manual SI);
- the audit log is append-only for everyone, the project's owner included (a trigger), and each
  audit row names its writer truthfully;
- the owner (the admin who ran `sphericity init`) keeps full rights; the annotators row of a login
  is its own name, with the role of its group.

The SQL is applied by migration 0004 (a no-op on SQLite). Tables added by later
migrations need their own GRANTs here-style. The group roles are cluster-wide and kept on
downgrade (other projects on the server may use them).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from core.store.errors import StoreError
from core.store.models import ROLES

GROUP_PREFIX = "sphericity_"
REVIEWED = "('approved', 'rejected')"
EDITABLE = "('draft', 'submitted')"


def group_role(role: str) -> str:
    """The database group role of an application role ('reviewer' -> 'sphericity_reviewer')."""
    if role not in ROLES:
        raise StoreError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    return GROUP_PREFIX + role


ANNOTATOR, REVIEWER, CLINICIAN = (group_role(r) for r in ("annotator", "reviewer", "clinician"))
ALL_GROUPS = f"{ANNOTATOR}, {REVIEWER}, {CLINICIAN}"

# Helper functions run as their owner (SECURITY DEFINER) so policies can look at other rows
# without recursing into the policies of the same table.
FUNCTIONS = """
CREATE FUNCTION sphericity_reader_id(login text) RETURNS integer
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
    AS $$ SELECT id FROM annotators WHERE name = login $$;
CREATE FUNCTION sphericity_image_reviewed(image integer) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
    AS $$ SELECT EXISTS (SELECT 1 FROM readings WHERE image_id = image)
          AND NOT EXISTS (SELECT 1 FROM readings WHERE image_id = image
                          AND status NOT IN {reviewed}) $$;
CREATE FUNCTION sphericity_reading_visible(reading integer, login text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
    AS $$ SELECT EXISTS (SELECT 1 FROM readings r WHERE r.id = reading
          AND (r.annotator_id = sphericity_reader_id(login)
               OR sphericity_image_reviewed(r.image_id))) $$;
CREATE FUNCTION sphericity_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'the reading audit log is append-only (' || TG_OP || ' refused)';
    END $$;
REVOKE ALL ON FUNCTION sphericity_reader_id(text), sphericity_image_reviewed(integer),
    sphericity_reading_visible(integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sphericity_reader_id(text), sphericity_image_reviewed(integer),
    sphericity_reading_visible(integer, text) TO {groups};
"""

GRANTS = """
GRANT USAGE ON SCHEMA {schema} TO {groups};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {groups};
GRANT SELECT ON alembic_version, settings, annotators, series, images, image_pixels, readings,
    reading_audit, runs, predictions TO {groups};
GRANT INSERT ON annotators, readings, reading_audit TO {groups};
GRANT UPDATE ON readings TO {groups};
GRANT UPDATE (is_ed, is_es) ON images TO {groups};
GRANT INSERT, UPDATE ON settings, series, images, image_pixels TO {reviewer};
GRANT INSERT, UPDATE, DELETE ON runs, predictions TO {reviewer};
"""

POLICIES = """
ALTER TABLE annotators ENABLE ROW LEVEL SECURITY;
CREATE POLICY annotators_read ON annotators FOR SELECT TO {groups} USING (true);
CREATE POLICY annotators_self ON annotators FOR INSERT TO {groups}
    WITH CHECK (name = current_user
                AND pg_has_role(current_user, '{prefix}' || role, 'MEMBER'));

ALTER TABLE readings ENABLE ROW LEVEL SECURITY;
CREATE POLICY readings_read_all ON readings FOR SELECT TO {reviewer}, {clinician} USING (true);
CREATE POLICY readings_read_blinded ON readings FOR SELECT TO {annotator}
    USING (annotator_id = sphericity_reader_id(current_user)
           OR sphericity_image_reviewed(image_id));
CREATE POLICY readings_add_own ON readings FOR INSERT TO {annotator}, {clinician}
    WITH CHECK (annotator_id = sphericity_reader_id(current_user) AND status IN {editable});
CREATE POLICY readings_change_own ON readings FOR UPDATE TO {annotator}, {clinician}
    USING (annotator_id = sphericity_reader_id(current_user) AND status <> 'approved')
    WITH CHECK (annotator_id = sphericity_reader_id(current_user) AND status IN {editable});
CREATE POLICY readings_review_add ON readings FOR INSERT TO {reviewer}
    WITH CHECK (annotator_id = sphericity_reader_id(current_user));
CREATE POLICY readings_review ON readings FOR UPDATE TO {reviewer} USING (true) WITH CHECK (true);

ALTER TABLE reading_audit ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_read_all ON reading_audit FOR SELECT TO {reviewer}, {clinician} USING (true);
CREATE POLICY audit_read_blinded ON reading_audit FOR SELECT TO {annotator}
    USING (sphericity_reading_visible(reading_id, current_user));
CREATE POLICY audit_append_as_self ON reading_audit FOR INSERT TO {groups}
    WITH CHECK (annotator_id = sphericity_reader_id(current_user));
CREATE TRIGGER reading_audit_append_only BEFORE UPDATE OR DELETE ON reading_audit
    FOR EACH ROW EXECUTE FUNCTION sphericity_audit_append_only();
CREATE TRIGGER reading_audit_no_truncate BEFORE TRUNCATE ON reading_audit
    FOR EACH STATEMENT EXECUTE FUNCTION sphericity_audit_append_only();
"""

REMOVE = """
DROP TRIGGER IF EXISTS reading_audit_no_truncate ON reading_audit;
DROP TRIGGER IF EXISTS reading_audit_append_only ON reading_audit;
DROP POLICY IF EXISTS audit_append_as_self ON reading_audit;
DROP POLICY IF EXISTS audit_read_blinded ON reading_audit;
DROP POLICY IF EXISTS audit_read_all ON reading_audit;
ALTER TABLE reading_audit DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS readings_review ON readings;
DROP POLICY IF EXISTS readings_review_add ON readings;
DROP POLICY IF EXISTS readings_change_own ON readings;
DROP POLICY IF EXISTS readings_add_own ON readings;
DROP POLICY IF EXISTS readings_read_blinded ON readings;
DROP POLICY IF EXISTS readings_read_all ON readings;
ALTER TABLE readings DISABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS annotators_self ON annotators;
DROP POLICY IF EXISTS annotators_read ON annotators;
ALTER TABLE annotators DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {groups};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {groups};
REVOKE ALL ON SCHEMA {schema} FROM {groups};
DROP FUNCTION IF EXISTS sphericity_audit_append_only();
DROP FUNCTION IF EXISTS sphericity_reading_visible(integer, text);
DROP FUNCTION IF EXISTS sphericity_image_reviewed(integer);
DROP FUNCTION IF EXISTS sphericity_reader_id(text);
"""


def is_server(connection: Connection) -> bool:
    """Whether the project lives on a PostgreSQL server (the only back end with roles)."""
    return connection.dialect.name == "postgresql"


def apply_statements(schema: str) -> list[str]:
    """The SQL that sets up roles and permissions for a project in `schema`: group roles created
    if missing (needs CREATEROLE), then functions, grants and policies."""
    groups = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') "
        f"THEN CREATE ROLE {group} NOLOGIN; END IF; END $$;"
        for group in (ANNOTATOR, REVIEWER, CLINICIAN)
    ]
    return groups + _statements(FUNCTIONS + GRANTS + POLICIES, schema)


def remove_statements(schema: str) -> list[str]:
    """The SQL that undoes `apply_statements` (the cluster-wide group roles stay)."""
    return _statements(REMOVE, schema)


def apply(connection: Connection) -> None:
    """Set up roles and permissions in the connection's current schema."""
    for statement in apply_statements(_current_schema(connection)):
        connection.exec_driver_sql(statement)


def remove(connection: Connection) -> None:
    """Undo `apply` in the connection's current schema."""
    for statement in remove_statements(_current_schema(connection)):
        connection.exec_driver_sql(statement)


def ensure_group(connection: Connection, name: str) -> None:
    """A NOLOGIN group role, created unless it exists."""
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    if exists.first() is None:
        connection.exec_driver_sql(f"CREATE ROLE {_quote(connection, name)} NOLOGIN")


def add_user(connection: Connection, name: str, role: str, password: str | None) -> None:
    """Create a login role in `role`'s group (or move an existing login into it)."""
    group = group_role(role)
    ensure_group(connection, group)
    login = _quote(connection, name)
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    secret = "" if password is None else f" PASSWORD {_literal(password)}"
    verb = "ALTER" if exists.first() is not None else "CREATE"
    connection.exec_driver_sql(f"{verb} ROLE {login} LOGIN{secret}")
    for other in ROLES:
        if group_role(other) != group:
            connection.exec_driver_sql(
                f"REVOKE {_quote(connection, group_role(other))} FROM {login}"
            )
    connection.exec_driver_sql(f"GRANT {_quote(connection, group)} TO {login}")


def users(connection: Connection) -> list[tuple[str, str]]:
    """Every login in a Sphericity group role as (name, role), by name."""
    rows = connection.execute(
        text(
            "SELECT m.rolname, substr(g.rolname, :n) FROM pg_auth_members a "
            "JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member "
            "WHERE g.rolname LIKE :p AND m.rolcanlogin ORDER BY m.rolname"
        ),
        {"n": len(GROUP_PREFIX) + 1, "p": GROUP_PREFIX + "%"},
    )
    return [(name, role) for name, role in rows if role in ROLES]


@dataclass(frozen=True)
class ServerIdentity:
    """Who the login is on the server: its name (the annotator name) and application role."""

    name: str
    role: str
    owner: bool  # the project's owner (the admin): full rights, acts as a reviewer


def server_identity(connection: Connection) -> ServerIdentity | None:
    """The identity of this connection's login; None on SQLite (no logins there). StoreError
    for a login in no Sphericity group."""
    if not is_server(connection):
        return None
    name = connection.execute(text("SELECT current_user")).scalar_one()
    owner = connection.execute(
        text(
            "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c "
            "WHERE c.oid = to_regclass('readings')"
        )
    ).scalar()
    if owner:
        return ServerIdentity(name, "reviewer", owner=True)
    for role in ROLES:
        member = connection.execute(
            text("SELECT pg_has_role(current_user, :g, 'MEMBER')"), {"g": group_role(role)}
        ).scalar()
        if member:
            return ServerIdentity(name, role, owner=False)
    raise StoreError(
        f"the login {name!r} has no Sphericity Studio role on this server; ask the admin to run "
        f"`sphericity users PROJECT_URL add {name} --role annotator` (or reviewer, clinician)"
    )


def project_identity(project) -> ServerIdentity | None:
    """`server_identity` of a Project's login (None for a SQLite project)."""
    with project.transaction(write=False) as repo:
        return server_identity(repo.session.connection())


def _current_schema(connection: Connection) -> str:
    return connection.execute(text("SELECT current_schema()")).scalar_one()


def _statements(template: str, schema: str) -> list[str]:
    filled = template.format(
        schema=_quote_name(schema),
        groups=ALL_GROUPS,
        annotator=ANNOTATOR,
        reviewer=REVIEWER,
        clinician=CLINICIAN,
        prefix=GROUP_PREFIX,
        reviewed=REVIEWED,
        editable=EDITABLE,
    )
    # Split on statement ends outside $$ bodies (the function bodies hold no ';' of their own
    # except plpgsql's, which stay inside their $$ ... $$).
    statements, current, in_body = [], [], False
    for line in filled.splitlines():
        current.append(line)
        in_body ^= line.count("$$") % 2 == 1
        if not in_body and line.rstrip().endswith(";"):
            statements.append("\n".join(current).strip())
            current = []
    return [s for s in statements if s]


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def _quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    # standard_conforming_strings is on (PostgreSQL's default since 9.1): only quotes double.
    return "'" + value.replace("'", "''") + "'"
