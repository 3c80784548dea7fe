"""Builders of hostile files: deflate bombs, NIfTI headers that lie, and a peak-memory probe.

Bombs are built without ever holding their inflated size: a deflate block of 1 MiB of zeros,
compressed after a full flush, is the same bytes every time, so the stream is that block repeated.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset, write_file_meta_info

MIB = 1 << 20
REPO = Path(__file__).resolve().parents[3]

# The peak is the process's own VmHWM (its address space's high-water RSS, new at exec), not
# getrusage's ru_maxrss: Linux carries ru_maxrss across exec, so a child started by vfork from a
# big test process would report the parent's size.
PEAK_SCRIPT = """
import json, sys
from core.imaging import ImageReadError, decode_path
try:
    decoded = decode_path(sys.argv[1], b"key")
    outcome = f"decoded {len(decoded.frames)} frames"
except ImageReadError as exc:
    outcome = f"refused: {exc}"
with open("/proc/self/status") as status:
    hwm_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"peak_mb": hwm_kb / 1024, "outcome": outcome}))
"""


def decode_in_subprocess(path: Path, timeout_s: float = 120) -> dict:
    """{'peak_mb', 'outcome'} of decode_path(path) run in a fresh Python process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env=env,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def raw_deflate(prefix: bytes, n_zero_mib: int) -> bytes:
    """Raw deflate (no zlib header) of `prefix` followed by n_zero_mib MiB of zero bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts = [compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)]
    zeros = bytes(MIB)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    second = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert first == second  # a full flush leaves no history: the block repeats exactly
    parts += [first, second] + [first] * (n_zero_mib - 2) + [compressor.flush()]
    return b"".join(parts)


def gzip_of(prefix: bytes, n_zero_mib: int) -> bytes:
    """A gzip member of `prefix` and n_zero_mib MiB of zeros, with a correct trailer."""
    crc = zlib.crc32(prefix)
    zeros = bytes(MIB)
    for _ in range(n_zero_mib):
        crc = zlib.crc32(zeros, crc)
    size = (len(prefix) + n_zero_mib * MIB) & 0xFFFFFFFF
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + raw_deflate(prefix, n_zero_mib) + struct.pack("<II", crc, size)


def deflated_dicom_bomb(path: Path, ds, inflated_mib: int) -> Path:
    """A Deflated Explicit VR Little Endian file: `ds` (small image, no pixel data) followed by
    a Pixel Data element of inflated_mib MiB of zeros, far more than its Rows x Columns need."""
    body = DicomBytesIO()
    body.is_little_endian, body.is_implicit_VR = True, False
    write_dataset(body, ds)
    pixel_header = struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, inflated_mib * MIB)
    meta = DicomBytesIO()
    meta.is_little_endian, meta.is_implicit_VR = True, False
    meta.write(b"\0" * 128 + b"DICM")
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1.99"
    write_file_meta_info(meta, ds.file_meta, enforce_standard=True)
    path.write_bytes(meta.getvalue() + raw_deflate(body.getvalue() + pixel_header, inflated_mib))
    return path


def nifti_header(shape: tuple[int, ...], dtype=np.int16) -> bytes:
    """A NIfTI-1 single-file header (352 bytes with the extension flag) declaring `shape`."""
    import nibabel as nib

    header = nib.Nifti1Header()
    header.set_data_shape(shape)
    header.set_data_dtype(dtype)
    header.set_zooms((1.5, 1.5, *([30.0] * (len(shape) - 2))))
    header["vox_offset"] = 352
    header["magic"] = b"n+1"
    return header.binaryblock + b"\0\0\0\0"
