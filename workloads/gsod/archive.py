"""Station files out of a yearly `.tar.gz`: the standard library's `tarfile` reading a
stream inflated by the fastest gzip decoder installed (ISA-L through the `isal` package,
else zlib through `gzip`).

`tarfile` parses every header (ustar, GNU and pax names, checksums); the stream is
inflated a chunk (1 MB) at a time into one reused buffer (`ForwardReader`), from which
`tarfile`'s small reads (headers, padding) are served and the members handed out in
place, `(buffer, start, end)`, for the loader to check while they are in the CPU's
cache. That is `tarfile.open`'s "r:" mode over a file object of the inflated stream,
as "r:gz" does over zlib's, and it skips what stream mode ("r|") and `extractfile` cost
per member: 10 KB reads through `tarfile`'s own buffer and a file object per member
(12,000 a year), and a decoder call per read. Seeks only go forward (a file object that
inflates cannot go back cheaply).

`tarfile` forgives damage a loader must not: a bad header checksum or a header cut short
after the first member ends its iteration quietly, as if the archive had ended there.
`station_files` turns those into errors, as it does a member cut short, and reads the
gzip stream to its end so a cut or damaged trailer (its CRC) is caught too.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib
from collections.abc import Iterator
from typing import IO, Any, cast

try:  # ISA-L inflates about 2x faster than zlib on this data
    from isal import igzip as _fast_gzip
    from isal.isal_zlib import error as _IsalError

    GZIP_DECODER = "isal"
except ImportError:  # pragma: no cover - isal is a dependency; kept for odd platforms
    _fast_gzip = None  # type: ignore[assignment]
    _IsalError = zlib.error  # type: ignore[assignment]
    GZIP_DECODER = "zlib"

READ_ERRORS: tuple[type[BaseException], ...] = (
    tarfile.TarError, EOFError, OSError, zlib.error, cast(type[BaseException], _IsalError))


# A year's largest station file is about 150 KB (366 rows); far above that, a member's
# size is damage, and reading it whole would break the actor's memory bound.
MAX_MEMBER_BYTES = 64 << 20


class ArchiveStreamError(ValueError):
    """A damaged archive: bad gzip data, a bad tar header, or a stream cut short."""


def open_gzip(raw: IO[bytes] | CountingReader, decoder: str = GZIP_DECODER) -> IO[bytes]:
    """A reader of the inflated stream; `decoder` is "isal" or "zlib"."""
    if decoder == "isal" and _fast_gzip is not None:
        return _fast_gzip.IGzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[arg-type,return-value]


class CountingReader:
    """`raw` with a count of the bytes read from it (compressed bytes, for progress)."""

    def __init__(self, raw: IO[bytes] | memoryview) -> None:
        self._view = raw if isinstance(raw, memoryview) else None
        self._raw = None if isinstance(raw, memoryview) else raw
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        if self._raw is not None:
            data = self._raw.read(size)
        else:  # a buffer (an archive from Ray's object store, not copied whole)
            assert self._view is not None
            end = len(self._view) if size < 0 else self.consumed + size
            data = bytes(self._view[self.consumed:end])
        self.consumed += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class _StrictTarInfo(tarfile.TarInfo):
    """A header that fails its checks raises instead of ending the iteration."""

    @classmethod
    def frombuf(cls, buf: bytes | bytearray, encoding: str, errors: str) -> Any:
        try:
            return super().frombuf(buf, encoding, errors)
        except tarfile.TruncatedHeaderError:  # type: ignore[attr-defined]  # not in typeshed
            raise ArchiveStreamError("the tar stream is cut short") from None
        except tarfile.InvalidHeaderError as err:  # type: ignore[attr-defined]
            raise ArchiveStreamError(f"not a tar archive or damaged ({err})") from None


def station_files(reader: CountingReader, decoder: str = GZIP_DECODER
                  ) -> Iterator[tuple[str, bytes]]:
    """`(member name, bytes)` of every regular file, in archive order, in one pass.

    Raises ArchiveStreamError for anything damaged; directories and links are skipped.
    """
    for name, buffer, start, end in station_members(reader, decoder):
        yield name, bytes(buffer[start:end])


def station_members(reader: CountingReader, decoder: str = GZIP_DECODER
                    ) -> Iterator[tuple[str, bytearray, int, int]]:
    """`station_files` without a copy: `(name, buffer, start, end)`, the member being
    `buffer[start:end]`, valid only until the next member is asked for (the buffer is
    the reader's, refilled in place)."""
    try:
        with open_gzip(reader, decoder) as decoded:
            inflated = ForwardReader(decoded)
            yield from _members(inflated)
            # The zero block that ends the tar was read: inflate what follows, to the
            # gzip trailer.
            while decoded.read(1 << 20):
                pass
    except ArchiveStreamError:
        raise
    except READ_ERRORS as err:
        raise ArchiveStreamError(_describe(err)) from None


def _members(inflated: ForwardReader) -> Iterator[tuple[str, bytearray, int, int]]:
    with tarfile.open(fileobj=inflated, mode="r:", tarinfo=_StrictTarInfo) as tar:
        while (member := tar.next()) is not None:
            # Read once, as a stream: keep no TarInfo per station (12,000 a year).
            tar.members.clear()  # type: ignore[attr-defined]  # not in typeshed
            if not member.isfile():
                continue
            yield member.name, *_member_bytes(tar, inflated, member)


CHUNK_BYTES = 1 << 20  # inflated at a time: ~13 station files, in the CPU's cache


class ForwardReader:
    """The inflated stream as `tarfile` wants a file (read, tell, seek), inflated a
    chunk at a time into one buffer that `tarfile`'s small reads (a header, a member's
    padding) and the members themselves are served from. Seeks only go forward: a gzip
    file object would rewind and inflate again from the start."""

    def __init__(self, inflated: IO[bytes], chunk: int | None = None) -> None:
        self._inflated = inflated
        self._buffer = bytearray(chunk or CHUNK_BYTES)
        self._start = self._end = 0  # the unread bytes are buffer[start:end]
        self.position = 0            # of buffer[start] in the stream

    def _fill(self, size: int) -> int:
        """Make `size` bytes readable at buffer[start] (fewer at the end of the stream);
        answers how many are."""
        ready = self._end - self._start
        if ready >= size:
            return size
        if size > len(self._buffer):  # a member larger than the buffer: a larger one
            self._buffer = bytearray(self._buffer[self._start:self._end]) + bytearray(size - ready)
        else:  # the unread rest to the front (bytes: the two ranges may overlap)
            self._buffer[:ready] = bytes(self._buffer[self._start:self._end])
        self._start, self._end = 0, ready
        with memoryview(self._buffer) as free:
            while self._end < size:
                got = self._inflated.readinto(free[self._end:])  # type: ignore[attr-defined]
                if not got:
                    break
                self._end += got
        return min(size, self._end)

    def read(self, size: int = -1) -> bytes:
        if size < 0:  # not asked by tarfile's readers; kept for a file's contract
            rest = bytes(self._buffer[self._start:self._end]) + self._inflated.read()
            self._start = self._end
            self.position += len(rest)
            return rest
        got = self._fill(size)
        data = bytes(self._buffer[self._start:self._start + got])
        self._start += got
        self.position += got
        return data

    def member(self, size: int, padding: int = 0) -> tuple[bytearray, int, int]:
        """The next `size` bytes in place: (buffer, start, end), valid until the next
        read; fewer at the end of the stream. The `padding` after them is skipped too if
        it is in the buffer already (else tarfile's next seek skips it)."""
        got = self._fill(size)
        start = end = self._start
        end += got
        skip = got + padding if got == size and self._end - end >= padding else got
        self._start += skip
        self.position += skip
        return self._buffer, start, end

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        target = offset if whence == 0 else self.position + offset
        if whence not in (0, 1) or target < self.position:
            raise ArchiveStreamError(f"the tar stream asks to go back (to byte {target:,})")
        while self.position < target:
            skip = self._fill(min(target - self.position, len(self._buffer)))
            if not skip:
                break  # past the end; the next read says so
            self._start += skip
            self.position += skip
        return self.position

    def write(self, data: bytes) -> int:  # what tarfile's type asks of a file object
        raise io.UnsupportedOperation("read-only")

    def close(self) -> None:  # the gzip file object is closed by its owner
        pass


def _member_bytes(tar: tarfile.TarFile, inflated: ForwardReader,
                  member: tarfile.TarInfo) -> tuple[bytearray, int, int]:
    if not 0 <= member.size <= MAX_MEMBER_BYTES:  # damage must not ask for gigabytes
        raise ArchiveStreamError(f"member {member.name!r} claims {member.size:,} bytes (a "
                                 f"station file is at most {MAX_MEMBER_BYTES >> 20} MB: damaged?)")
    if member.sparse is not None:  # GNU sparse: tarfile knows where its pieces are
        handle = tar.extractfile(member)
        assert handle is not None  # a regular file always has one
        whole = bytearray(handle.read())
        return whole, 0, len(whole)
    if inflated.tell() != member.offset_data:  # tarfile leaves the stream there; if not,
        inflated.seek(member.offset_data)      # forward or an error
    buffer, start, end = inflated.member(member.size, -member.size % tarfile.BLOCKSIZE)
    if end - start != member.size:
        raise ArchiveStreamError(f"the tar stream is cut short (inside {member.name!r})")
    return buffer, start, end


def _describe(err: BaseException) -> str:
    if isinstance(err, EOFError):
        return "the gzip stream is cut short"
    if isinstance(err, gzip.BadGzipFile):
        return f"not gzip data ({err})"
    if isinstance(err, tarfile.ReadError) and "empty file" in str(err):
        return "an empty archive, no tar header"
    if isinstance(err, tarfile.TarError):
        return f"not a tar archive or damaged ({err})"
    return f"not gzip data or damaged ({err})"
