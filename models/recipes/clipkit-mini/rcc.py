"""Reads Qt resource bundles (.rcc, as GCompris ships its activities' data) without Qt.

Format (qtbase src/corelib/io/qresource.cpp): a "qres" header with the offsets of a tree of
nodes, a name table (UTF-16BE) and a data area; file payloads may be zlib-compressed (qCompress:
4-byte big-endian size, then a zlib stream). zstd payloads (Qt >= 5.13 with zstd) are reported.
"""
import struct
import zlib

DIR, ZLIB, ZSTD = 0x02, 0x01, 0x04


def entries(path):
    """Yields (resource path, bytes) for every file in the bundle, in tree order."""
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:4] != b"qres":
        raise ValueError(f"{path}: not a Qt resource bundle")
    version, tree, data, names = struct.unpack(">IIII", buf[4:20])
    node_size = 14 if version < 2 else 22

    def name(off):
        n = struct.unpack(">H", buf[names + off:names + off + 2])[0]
        return buf[names + off + 6:names + off + 6 + 2 * n].decode("utf-16-be")

    def walk(index, prefix):
        base = tree + index * node_size
        name_off, flags = struct.unpack(">IH", buf[base:base + 6])
        here = prefix + "/" + name(name_off) if index else ""
        if flags & DIR:
            count, first = struct.unpack(">II", buf[base + 6:base + 14])
            for child in range(first, first + count):
                yield from walk(child, here)
        else:
            off = struct.unpack(">I", buf[base + 10:base + 14])[0]
            size = struct.unpack(">I", buf[data + off:data + off + 4])[0]
            payload = buf[data + off + 4:data + off + 4 + size]
            if flags & ZSTD:
                raise ValueError(f"{path}:{here}: zstd-compressed resource (not supported)")
            if flags & ZLIB:
                payload = zlib.decompress(payload[4:])
            yield here, payload

    yield from walk(0, "")
