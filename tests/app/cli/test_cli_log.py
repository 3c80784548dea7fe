"""Every command writes to the log file in the user data folder's logs/, never its arguments."""

from app.cli.main import main
from core.logs import LOG_FILE
from core.paths import log_dir


def test_a_command_logs_its_name_but_not_the_paths_it_was_given(tmp_path, capsys):
    project = tmp_path / "Doe^Jane" / "cardiac.sphericity"
    project.parent.mkdir()
    assert main(["init", str(project)]) == 0
    text = (log_dir() / LOG_FILE).read_text(encoding="utf-8")
    assert "INFO app: sphericity-studio" in text and ": init" in text
    assert "Doe^Jane" not in text and "cardiac" not in text


def test_an_unwritable_data_folder_does_not_stop_the_command(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("SPHERICITY_HOME", str(blocker))
    assert main(["init", str(tmp_path / "p.sphericity")]) == 0
    assert "no log file" in capsys.readouterr().err
