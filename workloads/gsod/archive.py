"""Station files out of a yearly `.tar.gz`: the standard library's `tarfile` reading a
stream inflated by the fastest gzip decoder installed (ISA-L through the `isal` package,
else zlib through `gzip`).

`tarfile` forgives damage a loader must not: a bad header checksum or a header cut short
after the first member ends its iteration quietly, as if the archive had ended there.
`station_files` turns those into errors, and reads the gzip stream to its end so a cut
or damaged trailer (its CRC) is caught too.
"""

from __future__ import annotations

import gzip
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
    try:
        with open_gzip(reader, decoder) as inflated, \
                tarfile.open(fileobj=inflated, mode="r|", tarinfo=_StrictTarInfo) as tar:
            while (member := tar.next()) is not None:
                # Read once, as a stream: keep no TarInfo per station (12,000 a year).
                tar.members.clear()  # type: ignore[attr-defined]  # not in typeshed
                if not member.isfile():
                    continue
                handle = tar.extractfile(member)
                assert handle is not None  # a regular file always has one
                yield member.name, handle.read()
            # The two zero blocks were read: inflate what follows, to the gzip trailer.
            while inflated.read(1 << 20):
                pass
    except ArchiveStreamError:
        raise
    except READ_ERRORS as err:
        raise ArchiveStreamError(_describe(err)) from None


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
