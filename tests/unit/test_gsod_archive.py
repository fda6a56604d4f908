"""Station files out of a .tar.gz: every tar flavour, both gzip decoders, and damage that
plain `tarfile` would let pass (a bad header after the first member ends its iteration
quietly) is an error here."""

from __future__ import annotations

import gzip
import io
import subprocess
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workloads.gsod.archive as archive_module
from tests.unit.gsod_tar import tar_gz
from workloads.gsod.archive import (
    GZIP_DECODER,
    ArchiveStreamError,
    CountingReader,
    ForwardReader,
    station_files,
)

DECODERS = ["isal", "zlib"]


def make(files: dict[str, bytes], tar_format: int = tarfile.GNU_FORMAT,
         directory: bool = False) -> bytes:
    return tar_gz(files, tar_format, directory)


def read(archive: bytes, decoder: str = "isal") -> list[tuple[str, bytes]]:
    return list(station_files(CountingReader(io.BytesIO(archive)), decoder))


def test_isal_is_the_decoder_here() -> None:
    assert GZIP_DECODER == "isal"  # a dependency: without it loads are ~2x slower


@pytest.mark.parametrize("decoder", DECODERS)
@pytest.mark.parametrize("tar_format", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT,
                                        tarfile.PAX_FORMAT])
def test_members_as_tarfile_sees_them(tar_format: int, decoder: str) -> None:
    long_name = "d" * 60 + "/" + "e" * 80 + "/01001099999.csv"  # over 100 characters
    files = {"01001099999.csv": b"a,b\n" * 1000, "empty.csv": b"", "x/y/z.csv": b"1",
             "big.csv": bytes(range(256)) * 5000}
    if tar_format != tarfile.USTAR_FORMAT:
        files[long_name] = b"long"
    else:
        files["p" * 120 + "/short.csv"] = b"prefix"  # ustar splits it into prefix + name
    assert read(make(files, tar_format, directory=True), decoder) == list(files.items())


def test_a_buffer_is_read_in_place_and_counted() -> None:
    archive = make({"a.csv": bytes(range(256)) * 400, "b.csv": b"2" * 10})
    reader = CountingReader(memoryview(archive))
    assert [name for name, _ in station_files(reader)] == ["a.csv", "b.csv"]
    assert reader.consumed == len(archive)  # read to the end: the trailer is checked


@pytest.mark.parametrize("decoder", DECODERS)
def test_concatenated_gzip_members_are_one_stream(decoder: str) -> None:
    raw = gzip.decompress(make({"a.csv": b"1" * 10_000, "b.csv": b"2" * 10}))
    split = gzip.compress(raw[:5120]) + gzip.compress(raw[5120:])
    assert read(split, decoder) == [("a.csv", b"1" * 10_000), ("b.csv", b"2" * 10)]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 2000), st.sampled_from(DECODERS))
def test_any_cut_is_an_error_never_a_short_member(cut: int, decoder: str) -> None:
    archive = make({"a.csv": b"x" * 3000, "b.csv": b"y" * 40})
    with pytest.raises(ArchiveStreamError):
        read(archive[:-cut], decoder)


def recompressed(raw: bytearray) -> bytes:
    return gzip.compress(bytes(raw))


@pytest.mark.parametrize("decoder", DECODERS)
def test_a_damaged_header_is_an_error_even_after_the_first_member(decoder: str) -> None:
    raw = bytearray(gzip.decompress(make({"a.csv": b"1" * 700, "b.csv": b"2"})))
    second_header = 512 + 1024  # a.csv's header, then its 700 bytes padded to 1024
    assert raw[second_header:second_header + 5] == b"b.csv"
    raw[second_header + 2] ^= 0x01  # the name changes: the checksum no longer matches
    with tarfile.open(fileobj=io.BytesIO(bytes(raw))) as plain:  # tarfile stops quietly
        assert plain.getnames() == ["a.csv"]
    with pytest.raises(ArchiveStreamError, match="checksum"):
        read(recompressed(raw), decoder)


@pytest.mark.parametrize("decoder", DECODERS)
def test_a_tar_cut_inside_a_header_is_an_error(decoder: str) -> None:
    raw = gzip.decompress(make({"a.csv": b"1" * 700, "b.csv": b"2"}))
    with pytest.raises(ArchiveStreamError, match="cut short"):
        read(gzip.compress(raw[:512 + 1024 + 100]), decoder)  # 100 bytes of b.csv's header


@pytest.mark.parametrize("decoder", DECODERS)
def test_damaged_compressed_data_is_an_error(decoder: str) -> None:
    archive = bytearray(make({"a.csv": bytes(range(256)) * 200, "b.csv": b"2" * 5000}))
    archive[len(archive) // 2] ^= 0xFF
    with pytest.raises(ArchiveStreamError):
        read(bytes(archive), decoder)
    archive = bytearray(make({"a.csv": b"1" * 3000}))
    archive[-6] ^= 0x01  # the CRC in the gzip trailer, after every member was read
    with pytest.raises(ArchiveStreamError):
        read(bytes(archive), decoder)


@pytest.mark.parametrize("decoder", DECODERS)
@pytest.mark.parametrize(("data", "message"), [
    (b"plain text, not gzip" * 10, "not gzip"),
    (b"", "empty archive"),
    (gzip.compress(b""), "empty archive"),
    (gzip.compress(b"not a tar archive at all, long enough for one block" * 20), "not a tar"),
])
def test_what_is_not_a_tar_gz_is_an_error(data: bytes, message: str, decoder: str) -> None:
    with pytest.raises(ArchiveStreamError, match=message):
        read(data, decoder)


@pytest.mark.parametrize("decoder", DECODERS)
def test_a_tar_cut_inside_a_member_is_an_error(decoder: str) -> None:
    raw = gzip.decompress(make({"a.csv": b"1" * 700, "b.csv": b"2"}))
    with pytest.raises(ArchiveStreamError, match="cut short"):
        read(gzip.compress(raw[:512 + 300]), decoder)  # a sound gzip of a cut tar


def with_checksum(header: bytearray) -> bytearray:
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    return header


def test_a_damaged_size_is_an_error_not_a_huge_read() -> None:
    raw = bytearray(gzip.decompress(make({"a.csv": b"1" * 700, "b.csv": b"2"})))
    header = raw[:512]
    header[124:136] = b"\x80" + (1 << 80).to_bytes(11, "big")  # base-256: 2**80 bytes
    raw[:512] = with_checksum(header)
    with pytest.raises(ArchiveStreamError, match="claims"):
        read(gzip.compress(bytes(raw)))
    header[124:136] = b"%011o\0" % (100 << 20)  # 100 MB, in octal: tarfile's own header
    raw[:512] = with_checksum(header)
    with pytest.raises(ArchiveStreamError, match="claims 104,857,600 bytes"):
        read(gzip.compress(bytes(raw)))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 5000), min_size=1, max_size=12), st.integers(512, 6000))
def test_members_across_and_beyond_the_chunk_are_read_whole(sizes: list[int], chunk: int) -> None:
    files = {f"{i}.csv": bytes([65 + i % 26]) * size + b"\n" for i, size in enumerate(sizes)}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(archive_module, "CHUNK_BYTES", chunk)  # members straddle chunks, or
        assert read(make(files)) == list(files.items())      # are larger than one


@pytest.mark.parametrize("chunk", [None, 7])
def test_the_reader_goes_forward_only(chunk: int | None) -> None:
    reader = ForwardReader(io.BytesIO(bytes(range(100))), chunk)
    assert reader.read(10) == bytes(range(10)) and reader.seek(50) == 50
    assert reader.read(2) == bytes([50, 51]) and reader.tell() == 52
    buffer, start, end = reader.member(20)  # in place: valid until the next read
    assert bytes(buffer[start:end]) == bytes(range(52, 72)) and reader.tell() == 72
    assert reader.seek(500) == 100 and reader.read(1) == b""  # past the end: nothing more
    with pytest.raises(ArchiveStreamError, match="go back"):
        reader.seek(10)


def test_a_gnu_sparse_member_is_read_whole(tmp_path: Path) -> None:
    names = ["sparse.csv", "after.csv"]
    for name in names:
        with open(tmp_path / name, "wb") as handle:  # data, a hole of 96 KB, data
            handle.write(name.encode())
            handle.seek(100_000)
            handle.write(b"tail")
    subprocess.run(["tar", "--format=gnu", "--sparse", "-czf", str(tmp_path / "s.tar.gz"),
                    "-C", str(tmp_path), *names], check=True)
    archive = (tmp_path / "s.tar.gz").read_bytes()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        assert [m.issparse() for m in tar.getmembers()] == [True, True]  # tar wrote GNU sparse
    assert read(archive) == [(name, (tmp_path / name).read_bytes()) for name in names]
