"""core.paths guards: printable file names, and export targets that would destroy data."""

from __future__ import annotations

import sqlite3
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.cli.main import main
from core.paths import check_export_target, printable_name
from core.store import Project

ATTACKS = ["\x1b[2J", "\x07", "a\nb", "a\rb", "\u202egnp.exe", "\u2066x\u2069", "\x9b31m", "\u2028"]


@pytest.mark.parametrize("name", ATTACKS)
def test_attacks_become_visible_escapes(name):
    shown = printable_name(name)
    assert shown.isprintable()
    assert "\\" in shown


@given(st.text())
def test_printable_name_is_printable_and_reversible(name):
    shown = printable_name(name)
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp", "Cs") for c in shown)
    # Escapes are unambiguous: the original is recovered from what is shown.
    assert _unescape(shown) == name


@given(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126)).filter(
        lambda s: "\\" not in s
    )
)
def test_plain_names_are_unchanged(name):
    assert printable_name(name) == name


def test_undecodable_bytes_are_shown_as_hex():
    assert printable_name(b"scan\xff\x1b.png") == "scan\\xff\\x1b.png"


def _unescape(shown: str) -> str:
    out, i = [], 0
    while i < len(shown):
        ch = shown[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        kind = shown[i + 1]
        width = {"\\": 0, "x": 2, "u": 4, "U": 8}[kind]
        out.append("\\" if width == 0 else chr(int(shown[i + 2 : i + 2 + width], 16)))
        i += 2 + width
    return "".join(out)


# -- export targets --------------------------------------------------------------------------------


@pytest.fixture
def project_file(tmp_path):
    path = tmp_path / "p.sphericity"
    Project.create(path).close()
    return path


def test_export_over_the_project_is_refused_and_the_project_survives(project_file, capsys):
    before = project_file.read_bytes()
    assert main(["export", str(project_file), "--csv", str(project_file)]) == 1
    assert "it is the project" in capsys.readouterr().err
    assert project_file.read_bytes() == before
    with Project.open(project_file) as project:
        assert project.count_images() == 0


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_export_over_the_projects_companions_is_refused(project_file, suffix):
    target = project_file.with_name(project_file.name + suffix)
    before = target.read_bytes() if target.exists() else None
    assert main(["export", str(project_file), "--csv", str(target), "--force"]) == 1
    assert (target.read_bytes() if target.exists() else None) == before


def test_export_over_another_database_is_refused_even_forced(project_file, tmp_path, capsys):
    other = tmp_path / "other.csv"  # named like an export, but a database inside
    sqlite3.connect(other).execute("create table t (x)").connection.close()
    before = other.read_bytes()
    assert main(["export", str(project_file), "--csv", str(other), "--force"]) == 1
    assert "holds a database" in capsys.readouterr().err
    assert other.read_bytes() == before


def test_export_over_a_file_that_is_not_csv_needs_force(project_file, tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    assert main(["export", str(project_file), "--csv", str(notes)]) == 1
    assert "--force" in capsys.readouterr().err
    assert notes.read_text() == "my notes"
    assert main(["export", str(project_file), "--csv", str(notes), "--force"]) == 0
    assert notes.read_text() != "my notes"


def test_export_over_an_earlier_csv_is_allowed(project_file, tmp_path):
    out = tmp_path / "readings.csv"
    out.write_text("old export")
    assert main(["export", str(project_file), "--csv", str(out)]) == 0
    assert out.read_text() != "old export"


def test_dataset_export_into_the_project_file_is_refused(project_file):
    assert main(["export", str(project_file), "--dataset", str(project_file)]) == 1
    with Project.open(project_file):
        pass


def test_guard_resolves_links_and_urls(project_file, tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(project_file)
    with pytest.raises(FileExistsError, match="it is the project"):
        check_export_target(link, project=f"sqlite:///{project_file}")
    assert check_export_target(tmp_path / "new.csv", project=project_file) == tmp_path / "new.csv"
