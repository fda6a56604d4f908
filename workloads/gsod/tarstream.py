"""A one-pass reader of `.tar.gz` archives, built for thousands of small members.

`tarfile` spends a few hundred microseconds of Python per member (TarInfo objects, 16 KB
reads through its stream wrapper); on NOAA's 12,000 station files that is seconds.
Here zlib inflates megabyte chunks into one buffer and members are cut out of it.
Handles ustar/GNU/pax archives: long names (GNU 'L', pax `path=`), ustar prefixes,
base-256 sizes; checks every header checksum; a cut-short stream is an error.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import IO

BLOCK = 512
CHUNK = 1 << 20      # compressed bytes per read
OUT_CHUNK = 1 << 18  # inflated bytes per zlib call
_REGULAR = (b"0", b"\0", b"7")


class TarStreamError(ValueError):
    """A damaged archive: bad gzip data, a bad header, or a stream cut short."""


class TarGzReader:
    """Iterate `(member name, member bytes)`; `consumed` is compressed bytes read so far."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.consumed = 0
        self._inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip only
        self._pending = b""  # compressed bytes read but not inflated yet
        self._buffer = bytearray()
        self._pos = 0
        self._raw_done = False

    def _fill(self, wanted: int) -> bool:
        """Make `wanted` bytes available from the current position; False at the end."""
        while len(self._buffer) - self._pos < wanted:
            if self._pos > 4 * OUT_CHUNK:  # drop what was read, so the buffer stays small
                del self._buffer[:self._pos]
                self._pos = 0
            if not self._pending:
                if self._raw_done:
                    return False
                self._pending = self.raw.read(CHUNK)
                self.consumed += len(self._pending)
                if not self._pending:
                    self._raw_done = True
                    if not self._inflate.eof:
                        raise TarStreamError("the gzip stream is cut short")
                    continue
            try:
                if self._inflate.eof:  # several gzip members one after the other
                    self._inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                # Bounded output: inflating into cache-sized pieces is faster.
                self._buffer += self._inflate.decompress(self._pending, OUT_CHUNK)
            except zlib.error as err:
                raise TarStreamError(f"not gzip data or damaged ({err})") from None
            self._pending = (self._inflate.unused_data if self._inflate.eof
                             else self._inflate.unconsumed_tail)
        return True

    def _drain(self) -> None:
        """Read to the end, so a cut or damaged gzip trailer (its CRC) is still caught."""
        while self._fill(len(self._buffer) - self._pos + 1):
            self._pos = len(self._buffer)

    def _take(self, size: int) -> bytes:
        if not self._fill(size):
            raise TarStreamError("the tar stream is cut short")
        with memoryview(self._buffer) as view:  # one copy, and the view is released
            data = bytes(view[self._pos:self._pos + size])
        self._pos += size
        return data

    def _skip_padding(self, size: int) -> None:
        padding = -size % BLOCK
        if padding:
            self._take(padding)

    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        long_name: str | None = None
        while True:
            if not self._fill(BLOCK):
                if self._pos == len(self._buffer) and long_name is None:
                    return  # ended without the two zero blocks: tolerated, as tar does
                raise TarStreamError("the tar stream is cut short")
            header = self._take(BLOCK)
            if header.count(0) == BLOCK:  # end-of-archive marker
                self._drain()
                return
            _check_checksum(header)
            size = _size(header)
            kind = header[156:157]
            data = self._take(size)
            self._skip_padding(size)
            if kind == b"L":  # GNU long name of the next member
                long_name = data.rstrip(b"\0").decode("utf-8", "replace")
                continue
            if kind == b"x":  # pax extended header of the next member
                long_name = _pax_path(data) or long_name
                continue
            if kind in _REGULAR:
                yield long_name or _name(header), data
            long_name = None


def _check_checksum(header: bytes) -> None:
    field = header[148:156].replace(b"\0", b" ").strip()
    try:
        stored = int(field, 8)
    except ValueError:
        raise TarStreamError("not a tar archive (bad header)") from None
    if stored != sum(header[:148]) + 8 * ord(" ") + sum(header[156:]):
        raise TarStreamError("not a tar archive or damaged (header checksum mismatch)")


def _size(header: bytes) -> int:
    field = header[124:136]
    if field[0] & 0x80:  # GNU base-256 for sizes over 8 GB
        return int.from_bytes(field[1:], "big")
    text = field.replace(b"\0", b" ").strip()
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise TarStreamError("not a tar archive (bad size field)") from None


def _name(header: bytes) -> str:
    name = header[:100].split(b"\0", 1)[0]
    if header[257:262] == b"ustar":
        prefix = header[345:500].split(b"\0", 1)[0]
        if prefix:
            name = prefix + b"/" + name
    return name.decode("utf-8", "replace")


def _pax_path(data: bytes) -> str | None:
    for record in data.split(b"\n"):
        _, _, keyword_value = record.partition(b" ")
        if keyword_value.startswith(b"path="):
            return keyword_value[5:].decode("utf-8", "replace")
    return None
