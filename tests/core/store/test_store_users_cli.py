"""`sphericity users`: logins with a role on a server project; refused for SQLite projects."""

import io

import psycopg
from sqlalchemy import create_engine

from app.cli.main import main
from core.store import Project
from core.store.engine import to_url
from core.store.server_roles import server_identity


def test_users_add_makes_a_login_with_its_role(pg_server, monkeypatch, capsys):
    url = pg_server.database_url("users")
    assert main(["init", url]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret 'x'\n"))
    assert main(["users", url, "add", "dana", "--role", "reviewer", "--password-stdin"]) == 0
    assert main(["users", url, "list"]) == 0
    assert "dana\treviewer" in capsys.readouterr().out
    database = to_url(url).database
    login_url = pg_server.url(database, user="dana", password="s3cret 'x'")
    engine = create_engine(login_url)
    with engine.connect() as connection:
        identity = server_identity(connection)
    engine.dispose()
    assert (identity.name, identity.role) == ("dana", "reviewer")
    with Project.open(url) as project:
        assert ("dana", "reviewer") in [(name, role) for _, name, role in project.annotators()]
    # moving her to another role leaves one group
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret 'x'\n"))
    assert main(["users", url, "add", "dana", "--role", "clinician", "--password-stdin"]) == 0
    with psycopg.connect(
        host="127.0.0.1", port=pg_server.port, user="dana", password="s3cret 'x'", dbname=database
    ) as conn:
        groups = conn.execute(
            "SELECT g.rolname FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid "
            "JOIN pg_roles m ON m.oid = a.member WHERE m.rolname = 'dana'"
        ).fetchall()
    assert groups == [("sphericity_clinician",)]


def test_users_on_a_sqlite_project_is_refused(tmp_path, capsys):
    path = str(tmp_path / "p.sphericity")
    assert main(["init", path]) == 0
    assert main(["users", path, "add", "eve", "--role", "annotator", "--password-stdin"]) == 1
    assert "PostgreSQL server" in capsys.readouterr().err
