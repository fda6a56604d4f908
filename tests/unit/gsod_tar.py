"""Small `.tar.gz` archives built in memory for the GSOD tests."""

from __future__ import annotations

import io
import tarfile


def tar_gz(files: dict[str, bytes], tar_format: int = tarfile.DEFAULT_FORMAT,
           directory: bool = False) -> bytes:
    """`files` (name -> bytes) packed in order, after a directory entry if `directory`."""
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
