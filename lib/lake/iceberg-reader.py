"""Reads an Iceberg table on S3 without ClickHouse: the proof that other engines can read what the kit wrote.

Only general libraries: pyarrow (S3 file system, Parquet) and fastavro (manifest lists and manifests).
It follows the Iceberg spec from the newest metadata/vN.metadata.json to the current snapshot's
manifest list, its manifests and their data files, checks that the manifests agree with the Parquet
files, and computes the kit's order-independent checksum (lib/lake/iceberg-checksum.ts computes the
same one in ClickHouse).

Usage: python iceberg-reader.py <endpoint> <region> <bucket> <table prefix>
Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (never from the command line).
Prints one JSON object on stdout; exits 2 with {"error": ...} when the table cannot be read.
"""

import decimal
import hashlib
import io
import json
import re
import struct
from concurrent.futures import ThreadPoolExecutor
import sys
from urllib.parse import urlparse

import fastavro
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

SEP = "\x1f"
NULL = "\\N"
MASK = (1 << 64) - 1


class ReadFailure(Exception):
    pass


def key_of(location, bucket, prefix):
    """An object key from a path in Iceberg metadata: a full URI (s3://bucket/key) or a bucket-relative path."""
    parsed = urlparse(location)
    if parsed.scheme in ("s3", "s3a", "s3n"):
        if parsed.netloc != bucket:
            raise ReadFailure(f"{location} points at bucket {parsed.netloc}, not {bucket}")
        return parsed.path.lstrip("/")
    if parsed.scheme in ("http", "https"):
        path = parsed.path.lstrip("/")
        return path[len(bucket) + 1:] if path.startswith(bucket + "/") else path
    path = location.lstrip("/")
    if path.startswith(bucket + "/") and not path.startswith(prefix):
        path = path[len(bucket) + 1:]
    return path


def read_object(fs, bucket, key):
    """The whole object in one GET: fastavro and Parquet readers issue many small reads, each a request on S3."""
    try:
        with fs.open_input_file(f"{bucket}/{key}") as f:
            return f.read()
    except (FileNotFoundError, OSError) as e:
        raise ReadFailure(f"cannot read s3://{bucket}/{key}: {e}") from e


def read_avro(fs, bucket, key):
    data = read_object(fs, bucket, key)
    try:
        return list(fastavro.reader(io.BytesIO(data)))
    except Exception as e:  # fastavro raises plain ValueErrors on bad data
        raise ReadFailure(f"s3://{bucket}/{key} is not a readable Avro file: {e}") from e


def latest_metadata(fs, bucket, prefix):
    selector = pafs.FileSelector(f"{bucket}/{prefix}metadata", allow_not_found=True)
    versions = []
    for info in fs.get_file_info(selector):
        m = re.search(r"(?:^|/)v(\d+)\.metadata\.json$", info.path)
        if m:
            versions.append((int(m.group(1)), info.path[len(bucket) + 1:]))
    if not versions:
        raise ReadFailure(f"no metadata/vN.metadata.json under s3://{bucket}/{prefix}")
    versions.sort()
    return versions[-1][1], [v for v, _ in versions]


def canonical(value, iceberg_type):
    """The text form both sides hash: exact for floats (bit patterns), decimals (unscaled) and times (microseconds)."""
    if value is None:
        return NULL
    if iceberg_type == "boolean":
        return "1" if value else "0"
    if iceberg_type in ("int", "long"):
        return str(int(value))
    if iceberg_type == "double":
        return str(struct.unpack("<Q", struct.pack("<d", value))[0])
    if iceberg_type == "float":
        return str(struct.unpack("<I", struct.pack("<f", value))[0])
    if iceberg_type == "string":
        return value
    if iceberg_type == "date":
        return value.isoformat()
    if iceberg_type.startswith("decimal("):
        scale = int(iceberg_type.rstrip(")").split(",")[1])
        return str(int(decimal.Decimal(value).scaleb(scale)))
    raise ReadFailure(f"the checksum does not cover Iceberg type {iceberg_type}")


def column_values(table, field, iceberg_type):
    """A column of a Parquet file as Python values, matched by Iceberg field id (by name when the file has no ids)."""
    index = None
    for i, f in enumerate(table.schema):
        meta = f.metadata or {}
        fid = meta.get(b"PARQUET:field_id")
        if fid is not None and int(fid) == field["id"]:
            index = i
    if index is None and field["name"] in table.schema.names:
        index = table.schema.get_field_index(field["name"])
    if index is None:  # written before the column was added: NULL for every row (schema evolution)
        return [None] * table.num_rows
    col = table.column(index)
    if iceberg_type in ("timestamp", "timestamptz", "timestamp_ns", "timestamptz_ns"):
        unit = "ns" if iceberg_type.endswith("_ns") else "us"
        col = col.cast(pa.timestamp(unit, tz=col.type.tz)).cast(pa.int64())
        return col.to_pylist()
    return col.to_pylist()


def hash_rows(columns, types):
    total = 0
    kinds = ["long" if t.startswith("timestamp") else t for t in types]
    for row in zip(*columns):
        text = SEP.join(canonical(v, k) for v, k in zip(row, kinds))
        total = (total + int.from_bytes(hashlib.md5(text.encode("utf-8")).digest()[:8], "little")) & MASK
    return total


def read_table(endpoint, region, bucket, prefix):
    url = urlparse(endpoint)
    fs = pafs.S3FileSystem(endpoint_override=url.netloc, scheme=url.scheme, region=region, retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=1))
    metadata_key, versions = latest_metadata(fs, bucket, prefix)
    try:
        meta = json.loads(read_object(fs, bucket, metadata_key))
    except ValueError as e:
        raise ReadFailure(f"s3://{bucket}/{metadata_key} is not valid JSON: {e}") from e
    schema = next(s for s in meta["schemas"] if s["schema-id"] == meta.get("current-schema-id", 0))
    fields = [f for f in schema["fields"]]
    for f in fields:
        if not isinstance(f["type"], str):
            raise ReadFailure(f"column {f['name']} has a nested type; the checksum covers primitive columns")
    out = {
        "metadataFile": metadata_key,
        "metadataVersions": versions,
        "formatVersion": meta.get("format-version"),
        "location": meta.get("location"),
        "columns": [{"id": f["id"], "name": f["name"], "type": f["type"], "required": f["required"]} for f in fields],
        "partitionSpec": next((s["fields"] for s in meta.get("partition-specs", []) if s["spec-id"] == meta.get("default-spec-id", 0)), []),
        "snapshots": [
            {"snapshotId": str(s["snapshot-id"]), "parentId": None if s.get("parent-snapshot-id") in (None, -1) else str(s["parent-snapshot-id"]),
             "timestampMs": s["timestamp-ms"], "totalRecords": int(s.get("summary", {}).get("total-records", -1))}
            for s in meta.get("snapshots", [])
        ],
        "problems": [],
    }
    current = meta.get("current-snapshot-id")
    out["currentSnapshotId"] = None if current in (None, -1) else str(current)
    data_files = []
    # Objects are fetched in parallel: on S3 each costs a round trip, not CPU.
    with ThreadPoolExecutor(max_workers=8) as pool:
        if out["currentSnapshotId"] is not None:
            snapshot = next(s for s in meta["snapshots"] if s["snapshot-id"] == current)
            manifests = []
            for manifest in read_avro(fs, bucket, key_of(snapshot["manifest-list"], bucket, prefix)):
                if manifest.get("content", 0) != 0:
                    out["problems"].append(f"manifest {manifest['manifest_path']} holds deletes, which this reader does not apply")
                else:
                    manifests.append(key_of(manifest["manifest_path"], bucket, prefix))
            for entries in pool.map(lambda k: read_avro(fs, bucket, k), manifests):
                for entry in entries:
                    if entry["status"] == 2:  # DELETED entries are history, not table content
                        continue
                    df = entry["data_file"]
                    data_files.append({"path": df["file_path"], "key": key_of(df["file_path"], bucket, prefix), "records": df["record_count"], "bytes": df["file_size_in_bytes"]})
        types = [f["type"] for f in fields]

        def scan(df):
            buffer = pa.BufferReader(read_object(fs, bucket, df["key"]))
            meta = pq.ParquetFile(buffer).metadata
            blooms = sum(1 for g in range(meta.num_row_groups) for c in range(meta.num_columns) if meta.row_group(g).column(c).bloom_filter_offset is not None)
            buffer.seek(0)
            table = pq.read_table(buffer)
            return table.num_rows, hash_rows([column_values(table, f, t) for f, t in zip(fields, types)], types), blooms

        rows = 0
        checksum = 0
        for df, (n, h, blooms) in zip(data_files, pool.map(scan, data_files)):
            df["parquetRows"] = n
            df["bloomFilters"] = blooms
            if n != df["records"]:
                out["problems"].append(f"{df['key']}: the manifest says {df['records']} rows, the Parquet file holds {n}")
            rows += n
            checksum = (checksum + h) & MASK
    if out["snapshots"] and out["currentSnapshotId"] is not None:
        declared = next(s["totalRecords"] for s in out["snapshots"] if s["snapshotId"] == out["currentSnapshotId"])
        if declared not in (-1, rows):
            out["problems"].append(f"the snapshot summary says {declared} rows, the data files hold {rows}")
    selector = pafs.FileSelector(f"{bucket}/{prefix}data", allow_not_found=True, recursive=True)
    listed = {df["key"] for df in data_files}
    stored = {i.path[len(bucket) + 1:] for i in fs.get_file_info(selector) if i.type == pafs.FileType.File}
    out["dataFiles"] = data_files
    out["unreferencedObjects"] = sorted(stored - listed)
    out["missingObjects"] = sorted(listed - stored)
    out["rows"] = rows
    out["checksum"] = str(checksum)
    return out


def main():
    if len(sys.argv) != 5:
        print(json.dumps({"error": "usage: iceberg-reader.py <endpoint> <region> <bucket> <table prefix>"}))
        sys.exit(2)
    endpoint, region, bucket, prefix = sys.argv[1:]
    try:
        print(json.dumps(read_table(endpoint, region, bucket, prefix)))
    except ReadFailure as e:
        print(json.dumps({"error": str(e)}))
        sys.exit(2)


if __name__ == "__main__":
    main()
