"""The pseudonym key lives outside the project: a project file alone cannot confirm a guessed
PatientID, while the machine (or site) that imported a study still recognises it."""

from __future__ import annotations

import re
import shutil
import sqlite3
import stat
from pathlib import Path

import numpy as np
import pytest
from pydicom.uid import generate_uid

from core.imaging import pseudonym
from core.importer import import_paths
from core.paths import pseudonym_key_path
from core.store import Project
from tests.core.imaging.imaging_samples import frame, mr_file

PATIENT_ID = "20481632"  # an 8-digit, MRN-like identifier
FROZEN = Path(__file__).resolve().parents[1] / "store" / "data" / "project_0001.sqlite"


def _project_bytes(path: Path) -> bytes:
    """Everything on disk that belongs to the project file (the WAL and SHM too)."""
    parts = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return b"".join(p.read_bytes() for p in parts if p.exists())


def _candidate_secrets(path: Path) -> set[str]:
    """What an attacker holding only the project file would try as the HMAC key: every
    settings value and every hex run of 32 or more characters anywhere in its bytes."""
    connection = sqlite3.connect(path)
    values = {str(v).strip('"') for (v,) in connection.execute("select value from settings")}
    connection.close()
    runs = re.findall(rb"[0-9a-f]{32,}", _project_bytes(path))
    return values | {r.decode() for r in runs}


def _subject_keys(path: Path) -> set[str]:
    connection = sqlite3.connect(path)
    keys = {k for (k,) in connection.execute("select subject_key from series") if k}
    connection.close()
    return keys


def test_a_project_file_alone_cannot_confirm_a_guessed_patient_id(tmp_path):
    path = tmp_path / "p.sphericity"
    source = mr_file(tmp_path / "a.dcm", frame(1), series_uid=generate_uid(), PatientID=PATIENT_ID)
    with Project.create(path) as project:
        import_paths(project, [source])
        machine_secret = project.secret
    (subject_key,) = _subject_keys(path)
    # On the machine that imported it the key is recomputed (the check itself can succeed)...
    assert pseudonym(machine_secret, "patient", PATIENT_ID) == subject_key
    # ...but no secret found in the project file confirms the guess.
    candidates = _candidate_secrets(path)
    assert candidates  # the attacker has plenty to try (keys, hashes, the salt)
    for secret in candidates:
        assert pseudonym(secret, "patient", PATIENT_ID) != subject_key
    assert machine_secret not in candidates


def test_an_upgraded_project_loses_its_stored_secret(tmp_path):
    path = tmp_path / "old.sphericity"
    shutil.copy(FROZEN, path)
    connection = sqlite3.connect(path)
    (old,) = connection.execute("select value from settings where key = 'secret'").fetchone()
    old_secret = old.strip('"')
    old_key = pseudonym(old_secret, "patient", PATIENT_ID)
    connection.execute("update series set subject_key = ?", (old_key,))
    connection.commit()
    connection.close()
    with Project.open(path) as project:  # upgrades to the current schema
        assert project.get_setting("secret") is None
        assert project.get_setting("pseudonym_salt")
    assert old_secret.encode() not in _project_bytes(path)  # not even in a free page
    assert old_key in _subject_keys(path)  # stored keys stay as they are...
    for secret in _candidate_secrets(path):  # ...and can no longer be tested
        assert pseudonym(secret, "patient", PATIENT_ID) != old_key


def test_the_installation_key_is_made_once_readable_by_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("SPHERICITY_HOME", str(tmp_path / "home"))
    key_file = pseudonym_key_path()
    assert not key_file.exists()
    with Project.create(tmp_path / "p.sphericity") as project:
        first = project.secret
        assert key_file.is_file() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert project.secret == first  # read back, not made again
    assert key_file.read_text().strip() not in _project_bytes(tmp_path / "p.sphericity").decode(
        "latin-1"
    )


def test_reimport_is_recognised_on_the_same_machine(tmp_path):
    uid = generate_uid()
    source = mr_file(tmp_path / "a.dcm", frame(2), series_uid=uid, PatientID=PATIENT_ID)
    with Project.create(tmp_path / "p.sphericity") as project:
        first = import_paths(project, [source])
        again = import_paths(project, [source])
        assert again.imported == [] and again.duplicates == first.imported
        assert project.info()["series"] == 1


def test_projects_do_not_share_keys(tmp_path):
    source = mr_file(tmp_path / "a.dcm", frame(3), series_uid=generate_uid(), PatientID="X1")
    keys = []
    for name in ("one", "two"):
        with Project.create(tmp_path / f"{name}.sphericity") as project:
            import_paths(project, [source])
        keys.append(_subject_keys(tmp_path / f"{name}.sphericity"))
    assert keys[0] != keys[1]  # each project's salt keeps its keys apart


def test_a_site_key_gives_every_client_the_same_keys(tmp_path, monkeypatch):
    site = tmp_path / "site.key"
    site.write_text("0f" * 32)
    monkeypatch.setenv("SPHERICITY_SITE_KEY_FILE", str(site))
    path = tmp_path / "shared.sphericity"
    secrets_seen = []
    for home in ("alice-home", "bob-home"):
        monkeypatch.setenv("SPHERICITY_HOME", str(tmp_path / home))
        with Project.open(path) if path.exists() else Project.create(path) as project:
            secrets_seen.append(project.secret)
        assert not (tmp_path / home).exists()  # no installation key was made
    assert secrets_seen[0] == secrets_seen[1]


@pytest.mark.parametrize("content", [None, "short"])
def test_a_missing_or_short_site_key_is_refused(tmp_path, monkeypatch, content):
    site = tmp_path / "site.key"
    if content is not None:
        site.write_text(content)
    monkeypatch.setenv("SPHERICITY_SITE_KEY_FILE", str(site))
    with Project.create(tmp_path / "p.sphericity") as project, pytest.raises(OSError, match="key"):
        project.secret  # noqa: B018


def test_an_import_on_another_machine_adds_no_copies(tmp_path, monkeypatch):
    source = mr_file(tmp_path / "a.dcm", frame(4), series_uid=generate_uid(), PatientID="Y")
    with Project.create(tmp_path / "p.sphericity") as project:
        import_paths(project, [source])
        monkeypatch.setenv("SPHERICITY_HOME", str(tmp_path / "other-machine"))
        again = import_paths(project, [source])  # other keys, the same pixels
        assert again.imported == [] and project.count_images() == 1
        assert np.array_equal(project.pixels(again.duplicates[0]), frame(4))
