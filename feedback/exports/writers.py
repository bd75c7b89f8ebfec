"""Export files, written one chunk of rows at a time so memory stays flat.

One writer per format, chosen by name with `writer_for`; each takes a list of rows
(`write`) as many times as there are chunks and finishes the file on `close`:

* `jsonl`: one JSON object per line;
* `parquet`: one row group per chunk, with an explicit Arrow schema;
* `hf_dataset`: a zip of what `datasets.Dataset.save_to_disk` writes, so that
  `datasets.load_from_disk` opens the unzipped folder: the rows as an Arrow IPC stream
  `data-00000-of-00001.arrow` (one record batch per chunk), `state.json` and
  `dataset_info.json`. The zip's entries sit at its top level.

Parquet and the datasets folder share one schema per layout, derived from the dataset:
a text field is a string, a chat field is `list<struct<role: string, content: string>>`.

* `sft`: `prompt`, `completion` (both messages when the prompt is a chat field);
* `sft_chat`: `messages`;
* `preference`: `prompt`, `chosen`, `rejected` (all messages when the prompt is a chat);
* `kto`: `prompt`, `completion` (messages when the prompt is a chat), `label: bool`;
* `rl_prompts`: `prompt`, typed as the prompt field;
* `raw`: `id`, `external_id`, `status` strings; `fields`, a struct of the dataset's
  fields typed as above; `metadata`, `suggestions` and `responses` as JSON text, because
  their values differ in type from record to record (and from question to question) and a
  column has one type. `json.loads` gives back what the JSONL export holds.

The schema also carries the `huggingface` metadata that `datasets` writes, so that both
Parquet and the datasets folder load with exactly these features.
"""

from __future__ import annotations

import json
import secrets
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq

from feedback.exports.layouts import ExportSchema

TEXT = pa.string()
MESSAGES = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
RAW_JSON_COLUMNS = ("metadata", "suggestions", "responses")
HF_DATA_FILE = "data-00000-of-00001.arrow"


@dataclass(frozen=True)
class FileSchema:
    """The typed columns of an export file, and which of them hold JSON text."""

    arrow: pa.Schema
    json_columns: tuple[str, ...] = ()

    def batch(self, rows: Sequence[dict[str, Any]]) -> pa.RecordBatch:
        if self.json_columns:
            rows = [
                {**row, **{column: json.dumps(row.get(column), ensure_ascii=False) for column in self.json_columns}}
                for row in rows
            ]
        return pa.RecordBatch.from_pylist(list(rows), schema=self.arrow)


def _field_type(kind: str | None) -> pa.DataType:
    return MESSAGES if kind == "chat" else TEXT


def hf_feature(arrow_type: pa.DataType) -> Any:
    """The `datasets` feature (as `Features.to_dict` writes it) of the Arrow types used here."""
    if pa.types.is_string(arrow_type):
        return {"dtype": "string", "_type": "Value"}
    if pa.types.is_boolean(arrow_type):
        return {"dtype": "bool", "_type": "Value"}
    if pa.types.is_list(arrow_type):
        return {"feature": hf_feature(arrow_type.value_type), "_type": "List"}
    if pa.types.is_struct(arrow_type):
        return {child.name: hf_feature(child.type) for child in arrow_type}
    raise ValueError(f"no datasets feature for {arrow_type}")


def hf_features(arrow: pa.Schema) -> dict[str, Any]:
    return {column.name: hf_feature(column.type) for column in arrow}


def file_schema(layout: str, schema: ExportSchema) -> FileSchema:
    """The columns of `layout`'s rows for this dataset (see the module docstring)."""
    prompt = MESSAGES if schema.prompt_is_chat else TEXT
    # A completion follows the prompt's shape (conversational or plain text).
    completion = prompt
    json_columns: tuple[str, ...] = ()
    if layout == "sft":
        columns = [("prompt", prompt), ("completion", completion)]
    elif layout == "sft_chat":
        columns = [("messages", MESSAGES)]
    elif layout == "preference":
        columns = [("prompt", prompt), ("chosen", completion), ("rejected", completion)]
    elif layout == "kto":
        columns = [("prompt", prompt), ("completion", completion), ("label", pa.bool_())]
    elif layout == "rl_prompts":
        columns = [("prompt", prompt)]
    elif layout == "raw":
        fields = pa.struct([(name, _field_type(kind)) for name, kind in schema.field_types.items()])
        columns = [("id", TEXT), ("external_id", TEXT), ("status", TEXT), ("fields", fields)]
        columns += [(name, TEXT) for name in RAW_JSON_COLUMNS]
        json_columns = RAW_JSON_COLUMNS
    else:
        raise ValueError(f"unknown layout {layout!r}")
    arrow = pa.schema(columns)
    huggingface = {"info": {"features": hf_features(arrow)}}
    return FileSchema(arrow.with_metadata({"huggingface": json.dumps(huggingface)}), json_columns)


class RowWriter(Protocol):
    def write(self, rows: list[dict[str, Any]]) -> None: ...

    def close(self) -> None: ...


class JsonlWriter:
    """One JSON object per line, structured values kept as they are."""

    def __init__(self, path: Path, columns: FileSchema) -> None:
        self._file = path.open("w", encoding="utf-8")
        self._encode = json.JSONEncoder(ensure_ascii=False).encode

    def write(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._file.write("\n".join(map(self._encode, rows)) + "\n")

    def close(self) -> None:
        self._file.close()


class ParquetFileWriter:
    """A Parquet file with one row group per chunk."""

    def __init__(self, path: Path, columns: FileSchema) -> None:
        self._columns = columns
        self._writer = pq.ParquetWriter(path, columns.arrow)

    def write(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._writer.write_batch(self._columns.batch(rows), row_group_size=len(rows))

    def close(self) -> None:
        self._writer.close()


class HFDatasetWriter:
    """A zip of a `datasets` on-disk folder. The Arrow stream is written straight into
    the zip entry, batch by batch; the two JSON files follow once it is complete."""

    def __init__(self, path: Path, columns: FileSchema) -> None:
        self._columns = columns
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        # The size is unknown up front: allow the entry to pass 2 GiB.
        self._entry: BinaryIO = self._zip.open(HF_DATA_FILE, "w", force_zip64=True)
        self._stream = pyarrow.ipc.new_stream(self._entry, columns.arrow)

    def write(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._stream.write_batch(self._columns.batch(rows))

    def close(self) -> None:
        self._stream.close()
        self._entry.close()
        # As `Dataset.save_to_disk` (datasets 5) writes them; the fingerprint only keys
        # the library's cache, so a random one is what it would make up itself.
        state = {
            "_data_files": [{"filename": HF_DATA_FILE}],
            "_fingerprint": secrets.token_hex(8),
            "_format_columns": None,
            "_format_kwargs": {},
            "_format_type": None,
            "_output_all_columns": False,
            "_split": None,
        }
        info = {
            "citation": "",
            "description": "",
            "features": hf_features(self._columns.arrow),
            "homepage": "",
            "license": "",
        }
        self._zip.writestr("state.json", json.dumps(state, indent=2, sort_keys=True))
        self._zip.writestr("dataset_info.json", json.dumps(info, indent=2))
        self._zip.close()


@dataclass(frozen=True)
class ExportFormat:
    extension: str
    content_type: str
    writer: type[JsonlWriter | ParquetFileWriter | HFDatasetWriter]


FORMATS: dict[str, ExportFormat] = {
    "jsonl": ExportFormat(".jsonl", "application/jsonl", JsonlWriter),
    "parquet": ExportFormat(".parquet", "application/vnd.apache.parquet", ParquetFileWriter),
    "hf_dataset": ExportFormat(".hf_dataset.zip", "application/zip", HFDatasetWriter),
}


def writer_for(format: str, path: Path, columns: FileSchema) -> RowWriter:
    """A writer of `format` to the local file `path`."""
    return FORMATS[format].writer(path, columns)
