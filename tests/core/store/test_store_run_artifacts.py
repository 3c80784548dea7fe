"""Run files kept in the project (migration 0005): chunked round trips, streamed, checked by
sha256 on read, removed with their run, migrated down and up; on a server every role reads them
and only reviewers write them."""

import hashlib
import io
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from core.store import NotFoundError, Project, migrations
from core.store.engine import make_engine, to_url
from core.store.repo_artifacts import CHUNK_BYTES, ArtifactCorruptError

NAME = "run-1.pt"


def _run(project) -> int:
    return project.add_run({}, device="cpu", data_snapshot={})


class _Recording(io.BytesIO):
    """A stream that remembers the size of every read and write made on it."""

    def __init__(self, data: bytes = b"") -> None:
        super().__init__(data)
        self.reads: list[int] = []
        self.writes: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        block = super().read(size)
        self.reads.append(len(block))
        return block

    def write(self, block) -> int:
        self.writes.append(len(block))
        return super().write(block)


def _sizes_near_boundaries(chunk: int) -> st.SearchStrategy[int]:
    boundary = st.integers(0, 4).map(lambda k: k * chunk)
    return st.one_of(
        st.tuples(boundary, st.integers(-2, 2)).map(lambda t: max(0, t[0] + t[1])),
        st.integers(0, 5 * chunk),
    )


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), chunk=st.integers(1, 64))
def test_a_file_round_trips_whatever_its_size_around_chunk_boundaries(project, data, chunk):
    size = data.draw(_sizes_near_boundaries(chunk))
    content = data.draw(st.binary(min_size=size, max_size=size))
    run_id = _run(project)
    source = _Recording(content)
    stored = project.put_run_artifact(run_id, NAME, source, chunk_bytes=chunk)
    assert stored.size_bytes == size
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.n_chunks == -(-size // chunk) == project.artifact_chunk_count(run_id)
    assert max(source.reads) <= chunk  # streamed in: never more than a chunk at a time
    out = _Recording()
    assert (
        project.read_run_artifact(run_id, NAME, out) == stored == project.run_artifact(run_id, NAME)
    )
    assert out.getvalue() == content
    assert all(n <= chunk for n in out.writes)  # and out: one chunk at a time


def test_storing_again_replaces_the_file_and_its_chunks(project):
    run_id = _run(project)
    project.put_run_artifact(run_id, NAME, io.BytesIO(b"a" * 100), chunk_bytes=10)
    again = project.put_run_artifact(run_id, NAME, io.BytesIO(b"b" * 25), chunk_bytes=10)
    assert again.n_chunks == 3 == project.artifact_chunk_count(run_id)
    out = io.BytesIO()
    project.read_run_artifact(run_id, NAME, out)
    assert out.getvalue() == b"b" * 25


def test_the_default_chunk_is_a_few_mebibytes():
    assert 4 * 2**20 <= CHUNK_BYTES <= 8 * 2**20


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE run_artifact_chunks SET data = :other WHERE seq = 1",  # a changed byte
        "DELETE FROM run_artifact_chunks WHERE seq = 2",  # a lost chunk
        "UPDATE run_artifacts SET sha256 = :bad",  # a record that does not match
        "UPDATE run_artifacts SET size_bytes = size_bytes + 1",
    ],
)
def test_a_damaged_copy_is_detected_on_read(project, damage):
    run_id = _run(project)
    content = bytes(range(256)) * 4
    project.put_run_artifact(run_id, NAME, io.BytesIO(content), chunk_bytes=300)
    with project.transaction() as repo:
        second = content[300:600]
        changed = bytes([second[0] ^ 1]) + second[1:]
        repo.session.execute(text(damage), {"other": changed, "bad": "0" * 64})
    with pytest.raises(ArtifactCorruptError, match=r"damaged|missing"):
        project.read_run_artifact(run_id, NAME, io.BytesIO())


def test_deleting_the_run_removes_its_files_and_every_chunk(project):
    kept, gone = _run(project), _run(project)
    project.put_run_artifact(kept, NAME, io.BytesIO(b"k" * 50), chunk_bytes=7)
    project.put_run_artifact(gone, NAME, io.BytesIO(b"g" * 50), chunk_bytes=7)
    project.put_run_artifact(gone, "run-2.test.csv", io.BytesIO(b"csv"), chunk_bytes=7)
    project.delete_run(gone)
    assert project.artifact_chunk_count(gone) == 0 and project.run_artifact(gone, NAME) is None
    with project.transaction(write=False) as repo:
        left = repo.session.execute(text("SELECT count(*) FROM run_artifact_chunks")).scalar()
    assert left == project.artifact_chunk_count(kept) == 8
    assert project.delete_run_artifacts(kept) == 1 and project.artifact_chunk_count(kept) == 0


def test_a_file_for_a_missing_run_is_refused(project):
    with pytest.raises(NotFoundError):
        project.put_run_artifact(999, NAME, io.BytesIO(b"x"))
    assert project.run_artifact(999, NAME) is None


def test_migration_0005_down_and_up_again(project_url):
    engine = make_engine(to_url(project_url))
    with engine.begin() as connection:
        migrations.upgrade(connection)
    with Project.open(project_url) as project:
        first_id = project.get_setting("project_id")
        run_id = _run(project)
        project.put_run_artifact(run_id, NAME, io.BytesIO(b"abc"))
    assert len(first_id) == 32
    with engine.begin() as connection:
        migrations.downgrade(connection, "0004")
    with engine.connect() as connection:
        tables = set(connection.dialect.get_table_names(connection))
        assert not {"run_artifacts", "run_artifact_chunks"} & tables
        assert migrations.revision_of(connection) == "0004"
    with engine.begin() as connection:
        migrations.upgrade(connection)
    engine.dispose()
    with Project.open(project_url) as project:
        assert project.schema_revision == migrations.head_revision()
        assert project.run(run_id).id == run_id  # the run survived; its stored file did not
        assert project.run_artifact(run_id, NAME) is None
        assert len(project.get_setting("project_id")) == 32


def test_roles_on_a_server_read_run_files_and_only_reviewers_write_them(pg_server):
    from core.store.server_roles import add_user

    database = pg_server.create_database("artifacts")
    owner_url = pg_server.url(database).render_as_string(hide_password=False)
    with Project.create(owner_url) as project:
        run_id = _run(project)
        project.put_run_artifact(run_id, NAME, io.BytesIO(b"weights"), chunk_bytes=3)
        with project.transaction() as repo:
            for login, role in (("art_ann", "annotator"), ("art_rev", "reviewer")):
                add_user(repo.session.connection(), login, role, f"pw-{login}")

    def url(login):
        return pg_server.url(database, user=login, password=f"pw-{login}").render_as_string(
            hide_password=False
        )

    with Project.open(url("art_ann")) as annotator:
        out = io.BytesIO()
        annotator.read_run_artifact(run_id, NAME, out)
        assert out.getvalue() == b"weights"
        with pytest.raises(Exception, match="permission denied"):
            annotator.put_run_artifact(run_id, NAME, io.BytesIO(b"evil"))
        with pytest.raises(Exception, match="permission denied"):
            annotator.delete_run_artifacts(run_id)
    with Project.open(url("art_rev")) as reviewer:
        reviewer.put_run_artifact(run_id, NAME, io.BytesIO(b"better"), chunk_bytes=4)
        out = io.BytesIO()
        reviewer.read_run_artifact(run_id, NAME, out)
        assert out.getvalue() == b"better"


def test_neither_side_holds_the_whole_file_in_memory(project):
    import tracemalloc

    chunk = 64 * 1024
    content = os.urandom(32 * chunk)  # 2 MiB
    run_id = _run(project)
    tracemalloc.start()
    try:
        project.put_run_artifact(run_id, NAME, io.BytesIO(content), chunk_bytes=chunk)
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with open(os.devnull, "wb") as sink:
            project.read_run_artifact(run_id, NAME, sink)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A few chunks' worth (the driver's copies of one), far below the 2 MiB file.
    assert put_peak < len(content) / 4 and read_peak < len(content) / 4, (put_peak, read_peak)
