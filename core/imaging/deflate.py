"""Deflated DICOM: the dataset is inflated in a bounded stream before pydicom parses it.

pydicom inflates a Deflated Explicit VR Little Endian dataset whole, before anything can be
checked, so a 1 MB file could demand gigabytes. Here the first MiB is inflated, the image size
its header declares is checked against the limits, and inflating stops once the stream exceeds
what that image needs (its pixels plus a header allowance). What pydicom then reads is the same
file re-encoded as plain Explicit VR Little Endian.
"""

from __future__ import annotations

import io
import zlib

from core.imaging.types import ImageReadError, Limits

DEFLATED_SYNTAX = "1.2.840.10008.1.2.1.99"
HEADER_BYTES = 1 << 20  # the elements before the pixel data (a real header is a few KiB)


def undeflated(data: bytes, limits: Limits) -> bytes:
    """`data` itself unless it is a deflated DICOM file; then the file with its dataset inflated.

    ImageReadError when the dataset inflates past what the image its header declares needs.
    """
    fp = io.BytesIO(data)
    meta = _meta(fp)
    if not _is_deflated(meta):
        return data
    body = _inflate(memoryview(data)[fp.tell() :], limits)
    return _plain_prefix(meta) + body


def is_deflated_file(fh) -> bool:
    """Whether the DICOM file open in `fh` is deflated; `fh` is rewound to its start."""
    try:
        return _is_deflated(_meta(fh))
    finally:
        fh.seek(0)


def _meta(fp):
    from pydicom.filereader import _read_file_meta_info, read_preamble

    read_preamble(fp, True)
    return _read_file_meta_info(fp)


def _is_deflated(meta) -> bool:
    return str(meta.get("TransferSyntaxUID", "")).strip("\0 ") == DEFLATED_SYNTAX


def _inflate(compressed: memoryview, limits: Limits) -> bytes:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    head = inflater.decompress(compressed, HEADER_BYTES)
    if len(head) < HEADER_BYTES:
        return head  # the whole dataset fits in the header allowance
    allowed = HEADER_BYTES + _pixel_bytes(head, limits)
    rest = inflater.decompress(inflater.unconsumed_tail, allowed - len(head))
    if inflater.unconsumed_tail or (not inflater.eof and inflater.decompress(b"", 1)):
        raise ImageReadError(
            f"over the size limit: the deflated dataset inflates to more than "
            f"{allowed / 2**20:.0f} MiB, more than the image its header declares needs"
        )
    return head + rest


def _pixel_bytes(head: bytes, limits: Limits) -> int:
    """Stored pixel bytes declared by the (partial) dataset in `head`, checked against limits."""
    from pydicom.filereader import read_dataset

    try:
        ds = read_dataset(
            io.BytesIO(head),
            is_implicit_VR=False,
            is_little_endian=True,
            stop_when=lambda tag, *_: tag == 0x7FE00010,
        )
        rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
        frames = max(int(str(ds.get("NumberOfFrames", 1) or 1).strip() or 1), 1)
        bits = int(ds.get("BitsAllocated", 16) or 16)
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
    except (ValueError, TypeError, KeyError, EOFError, OverflowError, AttributeError):
        rows = cols = 0
    if rows <= 0 or cols <= 0:
        raise ImageReadError(
            "not a readable DICOM file: its deflated header does not declare the image size "
            f"within the first {HEADER_BYTES / 2**20:.0f} MiB"
        )
    bytes_per_pixel = max(bits // 8, 1) * max(samples, 1)
    return limits.check(rows, cols, frames, bytes_per_pixel)


def _plain_prefix(meta) -> bytes:
    """Preamble, prefix and file meta of the same file, now saying Explicit VR Little Endian."""
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_file_meta_info
    from pydicom.uid import ExplicitVRLittleEndian

    plain = type(meta)()
    for element in meta:
        if element.tag != 0x00020000:  # the group length changes: pydicom reads without it
            plain.add(element)
    plain.TransferSyntaxUID = ExplicitVRLittleEndian
    out = DicomBytesIO()
    out.is_little_endian, out.is_implicit_VR = True, False
    out.write(b"\0" * 128 + b"DICM")
    write_file_meta_info(out, plain, enforce_standard=False)
    return out.getvalue()
