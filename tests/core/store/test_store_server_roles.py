"""Roles on a PostgreSQL server: each login, in plain SQL through the driver, is refused what its
role forbids (blinding, review, other readers' readings, the audit log), by the server itself."""

import psycopg
import pytest
from psycopg.errors import InsufficientPrivilege
from sqlalchemy import create_engine
from store_helpers import SPACING, frame, landmarks

from core.store import Project
from core.store.engine import to_url
from core.store.server_roles import add_user, server_identity, users

LOGINS = {"ann_a": "annotator", "ann_b": "annotator", "rev_r": "reviewer", "cli_c": "clinician"}


@pytest.fixture(scope="module")
def study(pg_server):
    """A project owned by the admin, four logins, one image read by both annotators."""
    database = pg_server.create_database("roles")
    owner_url = pg_server.url(database).render_as_string(hide_password=False)
    passwords = {name: f"pw-{name}-'quoted'" for name in LOGINS}
    with Project.create(owner_url) as project, project.transaction() as repo:
        connection = repo.session.connection()
        for name, role in LOGINS.items():
            add_user(connection, name, role, passwords[name])
        series = repo.add_series("s", source="synthetic")
        images = [
            repo.add_image(series, frame(k), frame_index=k, spacing=SPACING)[0] for k in range(2)
        ]
    ids = {}
    for name in LOGINS:
        with Project.open(_url(pg_server, database, name, passwords[name])) as project:
            ids[name] = project.ensure_annotator(name, LOGINS[name])
    readings = {}
    for name in ("ann_a", "ann_b"):
        with Project.open(_url(pg_server, database, name, passwords[name])) as project:
            readings[name] = project.save_reading(
                images[0], ids[name], landmarks(), status="submitted"
            )
    return {
        "server": pg_server,
        "database": database,
        "owner_url": owner_url,
        "passwords": passwords,
        "ids": ids,
        "images": images,
        "readings": readings,
    }


def _url(server, database, name, password) -> str:
    return server.url(database, user=name, password=password).render_as_string(hide_password=False)


def _login(study, name) -> psycopg.Connection:
    server = study["server"]
    return psycopg.connect(
        host="127.0.0.1",
        port=server.port,
        user=name,
        password=study["passwords"][name],
        dbname=study["database"],
    )


def _refused(conn, sql, params=()) -> None:
    """The server refuses the statement with insufficient_privilege (42501)."""
    with pytest.raises(InsufficientPrivilege):
        conn.execute(sql, params)
    conn.rollback()


def _owner_row(study, sql, params=()):
    server = study["server"]
    with server.admin_connect(study["database"]) as conn:
        return conn.execute(sql, params).fetchall()


def test_users_and_identities_come_from_the_logins(study):
    engine = create_engine(to_url(study["owner_url"]))
    with engine.connect() as connection:
        # logins are the server's (cluster-wide): other tests' logins may be listed too
        assert set(LOGINS.items()) <= set(users(connection))
        assert server_identity(connection).owner
    engine.dispose()
    for name, role in LOGINS.items():
        url = _url(study["server"], study["database"], name, study["passwords"][name])
        engine = create_engine(to_url(url))
        with engine.connect() as connection:
            identity = server_identity(connection)
        engine.dispose()
        assert (identity.name, identity.role, identity.owner) == (name, role, False)


def test_an_annotator_is_blinded_until_the_image_is_reviewed(study):
    other = study["readings"]["ann_b"]
    with _login(study, "ann_a") as conn:
        seen = conn.execute("SELECT annotator_id FROM readings").fetchall()
        assert seen == [(study["ids"]["ann_a"],)]
        audit = conn.execute(
            "SELECT count(*) FROM reading_audit WHERE reading_id = %s", (other.id,)
        )
        assert audit.fetchone() == (0,)
        assert (
            conn.execute("SELECT landmarks FROM readings WHERE id = %s", (other.id,)).fetchall()
            == []
        )
    with Project.open(
        _url(study["server"], study["database"], "ann_a", study["passwords"]["ann_a"])
    ) as p:
        assert [r.annotator_name for r in p.readings_for_image(study["images"][0])] == ["ann_a"]
    with _login(study, "cli_c") as conn:  # clinicians compare readers: they see both
        assert conn.execute("SELECT count(*) FROM readings").fetchone() == (2,)


def test_an_annotator_cannot_approve_forge_or_touch_others(study):
    own, other = study["readings"]["ann_a"], study["readings"]["ann_b"]
    ann_b = study["ids"]["ann_b"]
    with _login(study, "ann_a") as conn:
        _refused(conn, "UPDATE readings SET status = 'approved' WHERE id = %s", (own.id,))
        _refused(conn, "UPDATE readings SET status = 'rejected' WHERE id = %s", (own.id,))
        # another reader's reading is invisible, so an UPDATE finds nothing to change
        changed = conn.execute(
            "UPDATE readings SET si = 0.99, note = 'x' WHERE id = %s", (other.id,)
        )
        assert changed.rowcount == 0
        conn.commit()
        _refused(  # a reading in someone else's name
            conn,
            "INSERT INTO readings (image_id, annotator_id, landmarks, si, status, note, version, "
            "created_at, updated_at) VALUES (%s, %s, '{}', 0.5, 'draft', '', 1, now(), now())",
            (study["images"][1], ann_b),
        )
        _refused(  # an audit row in someone else's name
            conn,
            "INSERT INTO reading_audit (reading_id, annotator_id, at, action) "
            "VALUES (%s, %s, now(), 'update')",
            (own.id, ann_b),
        )
        _refused(
            conn,
            "INSERT INTO annotators (name, role, created_at) "
            "VALUES ('mallory', 'annotator', now())",
        )
        _refused(
            conn,
            "INSERT INTO series (key, view, source, created_at) VALUES ('k', '4CH', 'real', now())",
        )
    assert _owner_row(
        study, "SELECT si, note, status FROM readings WHERE id = %s", (other.id,)
    ) == [(other.si, other.note, "submitted")]


def test_the_audit_log_is_append_only_for_everyone(study):
    for name in LOGINS:
        with _login(study, name) as conn:
            _refused(conn, "UPDATE reading_audit SET action = 'forged'")
            _refused(conn, "DELETE FROM reading_audit")
    with study["server"].admin_connect(study["database"]) as conn:  # the owner too
        for sql in (
            "UPDATE reading_audit SET action = 'forged'",
            "DELETE FROM reading_audit",
            "TRUNCATE reading_audit",
        ):
            with pytest.raises(InsufficientPrivilege, match="append-only"):
                conn.execute(sql)
    assert _owner_row(study, "SELECT count(*) FROM reading_audit WHERE action = 'forged'") == [(0,)]


def test_only_reviewers_approve_and_review_unblinds(study):
    own, other = study["readings"]["ann_a"], study["readings"]["ann_b"]
    with _login(study, "cli_c") as conn:
        changed = conn.execute("UPDATE readings SET status = 'approved' WHERE id = %s", (own.id,))
        assert changed.rowcount == 0  # not the clinician's reading: nothing it may change
        conn.commit()
    rev_url = _url(study["server"], study["database"], "rev_r", study["passwords"]["rev_r"])
    with Project.open(rev_url) as project:
        reviewer = study["ids"]["rev_r"]
        project.set_reading_status(
            own.id, "approved", by_annotator_id=reviewer, expected_version=own.version
        )
        with _login(study, "ann_a") as conn:  # one reading still submitted: still blinded
            assert conn.execute("SELECT count(*) FROM readings").fetchone() == (1,)
        project.set_reading_status(
            other.id, "rejected", by_annotator_id=reviewer, expected_version=other.version
        )
    with _login(study, "ann_a") as conn:
        assert conn.execute("SELECT count(*) FROM readings").fetchone() == (2,)
        assert conn.execute(
            "SELECT count(*) FROM reading_audit WHERE reading_id = %s", (other.id,)
        ).fetchone() == (2,)
        # approved is final for its reader: the annotator cannot take it back to draft
        changed = conn.execute("UPDATE readings SET status = 'draft' WHERE id = %s", (own.id,))
        assert changed.rowcount == 0
    assert _owner_row(study, "SELECT status FROM readings WHERE id = %s", (own.id,)) == [
        ("approved",)
    ]
