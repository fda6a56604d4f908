"""The one-pass .tar.gz reader agrees with tarfile on every tar flavour, and refuses damage."""

from __future__ import annotations

import io
import tarfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workloads.gsod.tarstream import TarGzReader, TarStreamError


def make(files: dict[str, bytes], tar_format: int, directory: bool = False) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tar_format) as tar:
        if directory:
            info = tarfile.TarInfo("gsod")
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def read(archive: bytes) -> list[tuple[str, bytes]]:
    return list(TarGzReader(io.BytesIO(archive)))


@pytest.mark.parametrize("tar_format", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT,
                                        tarfile.PAX_FORMAT])
def test_members_as_tarfile_sees_them(tar_format: int) -> None:
    long_name = "d" * 60 + "/" + "e" * 80 + "/01001099999.csv"  # over 100 characters
    files = {"01001099999.csv": b"a,b\n" * 1000, "empty.csv": b"", "x/y/z.csv": b"1",
             "big.csv": bytes(range(256)) * 5000}
    if tar_format != tarfile.USTAR_FORMAT:
        files[long_name] = b"long"
    else:
        files["p" * 120 + "/short.csv"] = b"prefix"  # ustar splits it into prefix + name
    assert read(make(files, tar_format, directory=True)) == list(files.items())


def test_concatenated_gzip_members_are_one_stream() -> None:
    whole = make({"a.csv": b"1" * 10_000, "b.csv": b"2" * 10}, tarfile.GNU_FORMAT)
    import gzip
    raw = gzip.decompress(whole)
    split = gzip.compress(raw[:5120]) + gzip.compress(raw[5120:])
    assert read(split) == [("a.csv", b"1" * 10_000), ("b.csv", b"2" * 10)]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 2000))
def test_any_cut_is_an_error_never_a_short_member(cut: int) -> None:
    archive = make({"a.csv": b"x" * 3000, "b.csv": b"y" * 40}, tarfile.GNU_FORMAT)
    with pytest.raises(TarStreamError):
        read(archive[:-cut])


def test_a_damaged_header_is_an_error() -> None:
    import gzip
    raw = bytearray(gzip.decompress(make({"a.csv": b"1"}, tarfile.GNU_FORMAT)))
    raw[10] ^= 0x01  # a bit of the name: the checksum no longer matches
    with pytest.raises(TarStreamError, match="checksum"):
        read(gzip.compress(bytes(raw)))
    with pytest.raises(TarStreamError, match="not gzip"):
        read(b"plain text, not gzip" * 10)
