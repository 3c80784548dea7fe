"""The view (4CH, 2CH, 3CH) a DICOM series shows, from the words its description uses."""

from __future__ import annotations

import re

from core.vocab import View

# Scanner protocols name long-axis views in many ways: "4CH", "4 ch", "4-chamber", "HLA" (the
# horizontal long axis is the 4-chamber view), "2CH"/"VLA" (vertical long axis), "3CH"/"LVOT".
_PATTERNS: tuple[tuple[View, str], ...] = (
    ("4CH", r"4\s*-?\s*(ch|cv|k)\w*|four\s*-?\s*ch\w*|\bhla\b|horizontal\s+long"),
    ("2CH", r"2\s*-?\s*(ch|cv|k)\w*|two\s*-?\s*ch\w*|\bvla\b|vertical\s+long"),
    ("3CH", r"3\s*-?\s*(ch|cv|k)\w*|three\s*-?\s*ch\w*|\blvot\b"),
)


def view_from_description(*texts: str | None) -> View:
    """4CH, 2CH or 3CH when exactly one of them is named in the texts, else "unknown".

    Only the view leaves this function: series descriptions are free text and never stored.
    """
    words = " ".join(t for t in texts if t).lower().replace("_", " ")
    found: set[View] = {
        view for view, pattern in _PATTERNS if re.search(rf"(?<![\d.]){pattern}", words)
    }
    return found.pop() if len(found) == 1 else "unknown"
