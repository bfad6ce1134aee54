"""Hand-made zip archives laid out exactly as torch.save writes them (stored entries, 64-byte aligned data, zip64
end record, locator, classic end record), for tests that craft model files byte by byte."""

from __future__ import annotations

import struct
import zlib


def entry(name: bytes, data: bytes, offset: int, declared: int | None = None) -> tuple[bytes, bytes]:
    """(local header + data, central-directory record) of one stored entry at ``offset`` (data 64-aligned)."""
    crc = zlib.crc32(data)
    pad = (-(offset + 30 + len(name) + 4)) % 64
    extra = struct.pack("<HH", 0x4646, pad) + b"Z" * pad
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, crc, len(data), len(data), len(name),
                        len(extra)) + name + extra + data
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0x21, crc, len(data), len(data),
                          len(name), 0, 0, 0, 0, 0, offset if declared is None else declared) + name
    return local, central


def torch_zip(entries: list[tuple[bytes, bytes]]) -> bytes:
    out, cd = b"", b""
    for name, data in entries:
        local, central = entry(name, data, len(out))
        out, cd = out + local, cd + central
    n, end = len(entries), len(out) + len(cd)   # the tail torch.save writes: zip64 record, locator, end record
    return (out + cd + struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, len(cd), len(out))
            + struct.pack("<4sIQI", b"PK\x06\x07", 0, end, 1)
            + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), len(out), 0))
