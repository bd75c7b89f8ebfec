"""Where files live (uploaded imports, export files), and how they are read back.

Files go through Django's storage API to a local directory or, with FEEDLOOP_STORAGE=s3,
to a bucket on S3-compatible object storage (django-storages); `s3_backend` builds that
backend's STORAGES entry.

Reading goes through `open_stream`, not `Storage.open()`: on S3, django-storages' file
downloads the whole object into a spooled temporary file (in memory, by default) before
its first byte can be read. `open_stream` reads the object's body as it arrives instead,
so a download or an import holds one buffer of the file at a time, whatever its size.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from django.core.files.storage import Storage, default_storage

CHUNK_BYTES = 256 * 1024


def s3_backend(
    *,
    bucket: str,
    prefix: str = "",
    endpoint_url: str | None = None,
    region: str | None = None,
    addressing_style: str = "auto",
    connect_timeout: int = 5,
    read_timeout: int = 60,
) -> dict[str, Any]:
    """The STORAGES entry for files in `bucket` (under `prefix`). Credentials come from
    boto3's own chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, or the
    machine's role), never from a setting of ours."""
    # Imported here and in open_stream, not above: boto3 takes a third of a second to
    # load, and settings (every process) import this module.
    from botocore.config import Config

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "location": prefix,
            # None: AWS itself; a URL for MinIO, Ceph, R2 and other S3-compatible stores.
            "endpoint_url": endpoint_url,
            "region_name": region,
            # Private objects: no ACL is sent (the bucket's policy applies), and any URL
            # the backend makes is signed. Files are only served through the API.
            "default_acl": None,
            "querystring_auth": True,
            # As on a local directory, a second file under a taken name gets a name of its
            # own (an export run that lost its job deletes only the file it wrote).
            "file_overwrite": False,
            "client_config": Config(
                s3={"addressing_style": addressing_style},
                # A store that does not answer fails a request (and /readyz) in seconds.
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                retries={"mode": "standard", "max_attempts": 3},
            ),
        },
    }


class _Body(io.RawIOBase):
    """An S3 object's body as a raw stream, so that `io.BufferedReader` gives it lines
    and sized reads (botocore's body iterates in fixed chunks, not lines)."""

    def __init__(self, body: Any) -> None:
        self.body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.body.close()
        super().close()


def open_stream(name: str, storage: Storage | None = None) -> BinaryIO:
    """The stored file `name`, opened for reading in order, one buffer at a time. A local
    file is also seekable; an object in S3 is not (`seekable()` says which)."""
    from storages.backends.s3 import S3File

    handle = (storage or default_storage).open(name, "rb")
    if isinstance(handle, S3File):
        # Nothing is downloaded yet (only the object's head was asked for).
        obj = handle.obj
        handle.close()
        return io.BufferedReader(_Body(obj.get()["Body"]), buffer_size=CHUNK_BYTES)
    return handle.file
