"""Series labels: subject and series number in import order, the view when known."""

from hypothesis import given
from hypothesis import strategies as st

from core.series_names import series_names


def series_labels(rows):
    return {i: n.label for i, n in series_names(rows).items()}


def test_labels_number_subjects_and_series_in_import_order():
    rows = [(5, "k2", "4CH"), (1, "k1", "unknown"), (3, "k1", "2CH"), (4, None, "unknown")]
    assert series_labels(rows) == {
        1: "S1 · series 1",
        3: "S1 · series 2 · 2CH",
        4: "series 1",
        5: "S2 · series 1 · 4CH",
    }


@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "c", None]), st.sampled_from(["4CH", "unknown"])))
)
def test_labels_are_unique_short_and_hide_the_keys(specs):
    rows = [(i, subject, view) for i, (subject, view) in enumerate(specs)]
    labels = series_labels(rows)
    assert len(set(labels.values())) == len(rows)
    assert all(len(label) <= 30 for label in labels.values())


def test_the_store_labels_every_series(project):
    project.add_series("x" * 40, subject_key="s" * 64, view="4CH")
    project.add_series("y" * 40)
    names = project.series_names()
    assert sorted(n.group for n in names.values()) == ["S1", "series 1"]
    assert sorted(n.label for n in names.values()) == ["S1 · series 1 · 4CH", "series 1"]
