"""Phantom cines written as DICOM come back as one series each, frames in order."""

from core.importer import import_paths
from core.phantom.output import phantom_series, write_files
from core.store import Project


def test_a_phantom_dicom_cine_imports_as_one_series(tmp_path):
    write_files(tmp_path / "out", phantom_series(3, 2, 3), dicom=True)
    with Project.create(tmp_path / "p.sphericity") as project:
        import_paths(project, [tmp_path / "out"])
        images = project.list_images(limit=None, order_by="series_id")
    assert len({i.series_id for i in images}) == 2
    assert [i.frame_index for i in images] == [0, 1, 2, 0, 1, 2]
    assert [i.is_ed for i in images] == [True, False, False, True, False, False]
