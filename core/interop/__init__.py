"""Readings in formats other tools read (DICOM SR, de-identified DICOM, COCO) and back in."""
