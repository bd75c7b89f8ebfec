"""Rows out of an uploaded file, one at a time, whatever its size.

Four formats: JSONL (one JSON object per line), CSV (a header line, then one record
per row), Parquet, and a zipped Hugging Face `datasets` folder (`save_to_disk`, read
with pyarrow: the Arrow files inside are streams of record batches). Every reader
yields `SourceRow`s, numbered as a person would find them again:

* JSONL and CSV: the line the row starts on (a CSV header is line 1);
* Parquet and `datasets` folders: the row, counting from 1.

A row that cannot be read (bad JSON, bytes that are not UTF-8, a wrong number of CSV
cells) comes back with its `problem`; the rest of the file is still read, so that one
pass reports every bad row. A file that cannot be read at all (not Parquet, not a zip,
a CSV quote never closed) raises `UnreadableFile`.
"""

from __future__ import annotations

import csv
import json
import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq

FORMATS = ("jsonl", "csv", "parquet", "hf_dataset")
# Read by seeking: a Parquet file's schema and a zip's directory are at its end.
SEEKING_FORMATS = ("parquet", "hf_dataset")
SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".zip": "hf_dataset"}
BATCH_ROWS = 1000
# Bytes decoded with `surrogateescape` turn into these; finding one means "not UTF-8".
_UNDECODABLE = re.compile("[\udc80-\udcff]")


class UnreadableFile(Exception):
    """The file as a whole cannot be read; `row` says where, when it is known."""

    def __init__(self, message: str, row: int | None = None) -> None:
        self.message, self.row = message, row
        super().__init__(message if row is None else f"row {row}: {message}")


@dataclass
class SourceRow:
    number: int
    values: dict[str, Any]
    problem: str | None = None
    column: str | None = None


def format_for(filename: str) -> str | None:
    """The format a file name suggests, if any."""
    return SUFFIXES.get(PurePosixPath(filename.lower()).suffix)


class Reader:
    """Base of the readers: `columns` (known up front for tabular files), `rows()`,
    and `fraction_read` for progress."""

    columns: list[str] | None = None

    def rows(self) -> Iterator[SourceRow]:
        raise NotImplementedError

    @property
    def fraction_read(self) -> float:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the reader holds (the file itself is the caller's to close)."""


class _LineFile(Reader):
    """Shared by JSONL and CSV: binary lines, read in order, with how far into the file
    (of `size` bytes) they are."""

    def __init__(self, file: IO[bytes], size: int) -> None:
        self.size = max(size, 1)
        self.handle = file
        self.consumed = 0

    def _lines(self) -> Iterator[bytes]:
        for line in self.handle:
            self.consumed += len(line)
            yield line

    @property
    def fraction_read(self) -> float:
        return min(self.consumed / self.size, 1.0)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class JsonLinesReader(_LineFile):
    def rows(self) -> Iterator[SourceRow]:
        for number, raw in enumerate(self._lines(), start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a byte-order mark some editors write
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                yield SourceRow(number, {}, f"not valid UTF-8: byte 0x{raw[error.start]:02x} at position {error.start}")
                continue
            try:
                value = json.loads(text, parse_constant=_refuse_constant)
            except json.JSONDecodeError as error:
                yield SourceRow(number, {}, f"not valid JSON: {error.msg} at character {error.colno}")
                continue
            except ValueError as error:
                yield SourceRow(number, {}, f"not valid JSON: {error}")
                continue
            if not isinstance(value, dict):
                yield SourceRow(number, {}, f"must be a JSON object, got {type(value).__name__}")
                continue
            yield SourceRow(number, value)


class CsvReader(_LineFile):
    """CSV with a header line; every cell is text (the mapping converts it)."""

    def __init__(self, file: IO[bytes], size: int, *, max_cell_bytes: int) -> None:
        super().__init__(file, size)
        csv.field_size_limit(max_cell_bytes)
        self.line_number = 0
        self._decoded = self._decoded_lines()
        self._csv = csv.reader(self._decoded, strict=True)
        self.header = self._header()
        self.columns = self.header

    def _decoded_lines(self) -> Iterator[str]:
        for raw in self._lines():
            self.line_number += 1
            yield raw.decode("utf-8", errors="surrogateescape")

    def _header(self) -> list[str]:
        try:
            header = next(self._csv)
        except StopIteration:
            raise UnreadableFile("the file is empty: a CSV file starts with a header line", row=1) from None
        except csv.Error as error:
            raise UnreadableFile(f"the header line is not valid CSV: {error}", row=1) from None
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]  # a byte-order mark (spreadsheets write one)
        header = [name.strip() for name in header]
        if any(_UNDECODABLE.search(name) for name in header):
            raise UnreadableFile("the header line is not valid UTF-8", row=1)
        if "" in header:
            raise UnreadableFile(f"column {header.index('') + 1} of the header has no name", row=1)
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            raise UnreadableFile(f"the header names these columns more than once: {repeated}", row=1)
        return header

    def rows(self) -> Iterator[SourceRow]:
        width = len(self.header)
        while True:
            start = self.line_number + 1
            try:
                cells = next(self._csv)
            except StopIteration:
                return
            except csv.Error as error:
                if "end of data" in str(error):
                    message = f"a quoted value starting on line {start} is never closed"
                    raise UnreadableFile(message, row=start) from None
                raise UnreadableFile(f"not valid CSV: {error}", row=start) from None
            if not cells or cells == [""]:
                continue  # a blank line
            undecodable = next((i for i, cell in enumerate(cells) if _UNDECODABLE.search(cell)), None)
            if undecodable is not None:
                column = self.header[undecodable] if undecodable < width else None
                yield SourceRow(start, {}, "not valid UTF-8 (save the file as UTF-8)", column)
                continue
            if len(cells) != width:
                yield SourceRow(start, {}, f"has {len(cells)} cells; the header has {width} columns")
                continue
            yield SourceRow(start, dict(zip(self.header, cells, strict=True)))


def _plain(value: Any) -> Any:
    """Arrow values as JSON-like Python values (dates as ISO text)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return value  # refused later as not storable, with its column
    return value


def _rows_of_batches(batches: Iterator[pa.RecordBatch], counter: list[int]) -> Iterator[SourceRow]:
    for batch in batches:
        for values in batch.to_pylist():
            counter[0] += 1
            binary = next((key for key, value in values.items() if isinstance(value, bytes)), None)
            if binary is not None:
                message = "holds binary data; only text, numbers and lists can be imported"
                yield SourceRow(counter[0], {}, message, binary)
                continue
            yield SourceRow(counter[0], {key: _plain(value) for key, value in values.items()})


class ParquetReader(Reader):
    def __init__(self, file: IO[bytes]) -> None:
        try:
            self.file = pq.ParquetFile(file)
        except (pa.ArrowException, OSError) as error:
            raise UnreadableFile(f"not a readable Parquet file ({error})") from None
        self.columns = list(self.file.schema_arrow.names)
        self.total = max(self.file.metadata.num_rows, 1)
        self.counter = [0]

    def rows(self) -> Iterator[SourceRow]:
        try:
            yield from _rows_of_batches(self.file.iter_batches(batch_size=BATCH_ROWS), self.counter)
        except (pa.ArrowException, OSError) as error:
            raise UnreadableFile(f"the Parquet file is damaged after row {self.counter[0]} ({error})") from None

    @property
    def fraction_read(self) -> float:
        return min(self.counter[0] / self.total, 1.0)

    def close(self) -> None:
        self.file.close()


class DatasetFolderReader(Reader):
    """A zip of a folder written by `Dataset.save_to_disk` (or of a `DatasetDict`, with
    `split` naming the split to import when there is more than one)."""

    def __init__(self, file: IO[bytes], *, split: str = "") -> None:
        try:
            self.zip = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, OSError):
            raise UnreadableFile("not a zip file (zip the folder Dataset.save_to_disk wrote)") from None
        try:
            folder = self._folder(split)
            state = json.loads(self.zip.read(f"{folder}state.json"))
            self.data_files = [f"{folder}{entry['filename']}" for entry in state["_data_files"]]
            info = self._info(folder)
        except (KeyError, TypeError, ValueError) as error:
            self.zip.close()
            raise UnreadableFile(f"the datasets folder's state.json is not readable ({error})") from None
        except UnreadableFile:
            self.zip.close()
            raise
        missing = [name for name in self.data_files if name not in self.zip.NameToInfo]
        if missing:
            self.zip.close()
            raise UnreadableFile(f"state.json names data files the zip does not hold: {missing}")
        self.total = max(int(info.get("num_rows") or 0), 1)
        self.counter = [0]
        self.columns = self._columns()

    def _folder(self, split: str) -> str:
        names = self.zip.namelist()
        states = sorted(name[: -len("state.json")] for name in names if PurePosixPath(name).name == "state.json")
        if not states:
            raise UnreadableFile(
                "the zip holds no datasets folder (no state.json): save it with Dataset.save_to_disk and zip the folder"
            )
        if len(states) == 1 and not split:
            return states[0]
        splits = {PurePosixPath(folder).name: folder for folder in states}
        if not split:
            raise UnreadableFile(f"the zip holds a DatasetDict; choose one of its splits {sorted(splits)}")
        if split not in splits:
            raise UnreadableFile(f"no split {split!r} in the zip; it has {sorted(splits)}")
        return splits[split]

    def _info(self, folder: str) -> dict[str, Any]:
        """The row count, for progress (dataset_info.json may lack it; then progress is by file)."""
        try:
            info = json.loads(self.zip.read(f"{folder}dataset_info.json"))
        except (KeyError, ValueError):
            return {}
        splits = info.get("splits") or {}
        return {"num_rows": sum(int(split.get("num_examples") or 0) for split in splits.values())}

    def _columns(self) -> list[str]:
        with self.zip.open(self.data_files[0]) as handle:
            try:
                return list(pa.ipc.open_stream(handle).schema.names)
            except (pa.ArrowException, OSError) as error:
                raise UnreadableFile(f"{self.data_files[0]} is not an Arrow file ({error})") from None

    def _batches(self) -> Iterator[pa.RecordBatch]:
        for name in self.data_files:
            with self.zip.open(name) as handle:
                yield from pa.ipc.open_stream(handle)

    def rows(self) -> Iterator[SourceRow]:
        try:
            yield from _rows_of_batches(self._batches(), self.counter)
        except (pa.ArrowException, OSError, zipfile.BadZipFile) as error:
            raise UnreadableFile(f"the datasets folder is damaged after row {self.counter[0]} ({error})") from None

    @property
    def fraction_read(self) -> float:
        return min(self.counter[0] / self.total, 1.0)

    def close(self) -> None:
        self.zip.close()


def open_reader(
    file: IO[bytes], format: str, *, size: int, split: str = "", max_cell_bytes: int = 10 * 1024 * 1024
) -> Reader:
    """A reader of `file` (`size` bytes long), which the caller opened and closes. JSONL
    and CSV are read in order; the formats in SEEKING_FORMATS need a seekable file."""
    if format == "jsonl":
        return JsonLinesReader(file, size)
    if format == "csv":
        return CsvReader(file, size, max_cell_bytes=max_cell_bytes)
    if format == "parquet":
        return ParquetReader(file)
    if format == "hf_dataset":
        return DatasetFolderReader(file, split=split)
    raise ValueError(f"unknown import format {format!r}")
