"""Image identity shared by every export and import: a UID derived from the decoded pixels.

A fresh project holding the same images has other image ids and, because series keys are keyed
with each project's own secret, other series keys too. The content hash of the decoded pixels
(core.store.pixels.content_hash: shape, dtype and values) is the same in every project, so the
exports name each image by a DICOM UID derived from it: the SOP Instance UID of the exported
DICOM frame, the ``image_uid`` CSV column and the COCO file name. An import recomputes the UID
of every image of the target project and matches on it.
"""

from __future__ import annotations

import uuid

# A fixed namespace for the name-based UUIDs below (itself uuid5(NAMESPACE_URL, project URL)).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://sphericity-studio.invalid/dicom-uids")


def derived_uid(kind: str, value: str) -> str:
    """A DICOM UID under the 2.25 root from a name-based (SHA-1, version 5) UUID of kind:value.

    ISO/IEC 9834-8 UUID-derived UIDs need no registered root; 2.25 plus at most 39 digits
    stays under the 64-character limit.
    """
    return f"2.25.{uuid.uuid5(NAMESPACE, f'{kind}:{value}').int}"


def image_uid(content_hash: str) -> str:
    """The UID naming an image in every export: from its pixel content hash only."""
    return derived_uid("image", content_hash)
