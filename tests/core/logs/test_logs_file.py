"""The application log: a rotating file in the data folder's logs/, with safe file names."""

import logging

from core.importer import import_paths
from core.logs import BACKUP_COUNT, LOG_FILE, MAX_BYTES, configure_logging, safe_name
from core.paths import log_dir
from core.store import Project


def _our_handlers() -> list:
    return [h for h in logging.getLogger("core").handlers if getattr(h, "_sphericity_log", False)]


def test_records_go_to_the_data_folder_logs_and_setup_is_idempotent():
    path = configure_logging()
    assert path == log_dir() / LOG_FILE
    configure_logging()  # a second start replaces the handler rather than doubling every line
    assert len(_our_handlers()) == 1
    logging.getLogger("core.importer").info("one line")
    logging.getLogger("pydicom").warning("Patient's name quoted by a library")  # not ours
    for handler in _our_handlers():
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert text.count("one line") == 1 and "INFO core.importer: one line" in text
    assert "quoted by a library" not in text


def test_the_log_rotates_and_keeps_a_few_files(tmp_path):
    path = configure_logging(tmp_path / "logs")
    log = logging.getLogger("model.train")
    line = "x" * 1000
    for _ in range(MAX_BYTES * (BACKUP_COUNT + 2) // 1000):
        log.info(line)
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == [LOG_FILE] + [f"{LOG_FILE}.{k}" for k in range(1, BACKUP_COUNT + 1)]
    assert all(p.stat().st_size <= MAX_BYTES for p in path.parent.iterdir())


def test_safe_name_keeps_the_base_name_only_on_one_line():
    assert safe_name("/exports/Doe^Jane/IM0001.dcm") == "IM0001.dcm"
    assert safe_name("a\nERROR forged.dcm") == "a\\x0aERROR forged.dcm"  # core.paths.printable_name
    assert "\n" not in safe_name("x\r\n\t.png")


def test_a_failed_import_logs_the_file_name_but_not_its_folder(tmp_path):
    folder = tmp_path / "Doe^Jane 1961-02-03"
    folder.mkdir()
    (folder / "scan\n1.png").write_bytes(b"not an image")
    path = configure_logging()
    with Project.create(tmp_path / "p.sphericity") as project:
        report = import_paths(project, [folder])
    assert len(report.failures) == 1
    text = path.read_text(encoding="utf-8")
    assert "import failed: scan\\x0a1.png" in text
    assert "Doe^Jane" not in text and "1961" not in text
