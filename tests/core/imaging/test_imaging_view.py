"""The view from series descriptions: only an unambiguous name gives a view."""

import pytest

from core.imaging.view import view_from_description


@pytest.mark.parametrize(
    ("texts", "view"),
    [
        (("CINE 4CH",), "4CH"),
        (("cine_4ch_retro",), "4CH"),
        (("SSFP 4-chamber",), "4CH"),
        (("Four chamber cine",), "4CH"),
        (("b-TFE HLA",), "4CH"),
        (("2CH cine", ""), "2CH"),
        (("", "trufi_vla"), "2CH"),
        (("LVOT cine",), "3CH"),
        (("3 ch",), "3CH"),
        (("SAX stack",), "unknown"),
        (("4CH and 2CH localiser",), "unknown"),
        ((None, None), "unknown"),
        (("TE 14ms", "34 chan coil"), "unknown"),
        (("slice 1.4ch",), "unknown"),
    ],
)
def test_view_from_description(texts, view):
    assert view_from_description(*texts) == view
