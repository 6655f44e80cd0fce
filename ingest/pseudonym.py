"""Pseudonymization of personal data before it lands (docs/warehouse.md).

Emails and IP addresses are replaced by HMAC-SHA256(key, value) as hex, under the column
name ``<name>_hmac``: the same value always gives the same hash (joins and distinct counts
still work) and the clear text never reaches the landing zone or the warehouse.

The key: ``$WAREHOUSE_PSEUDONYM_KEY`` if set (use this in production, from a secret
store), else a random key generated once into ``$WAREHOUSE_DATA_DIR/pseudonym.key``
(mode 0600). Keep the key out of the warehouse's readers' reach: with it, a known email
can be checked against the hashes. Changing the key changes every hash: re-extract with
``--full-refresh`` afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

ENV = "WAREHOUSE_PSEUDONYM_KEY"
KEY_FILE = "pseudonym.key"


def load_key(data_dir: Path) -> bytes:
    env = os.environ.get(ENV)
    if env:
        return env.encode("utf-8")
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(KEY_FILE + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
        os.replace(tmp, path)
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def hmac_array(values: pa.Array | pa.ChunkedArray, key: bytes) -> pa.Array:
    """HMAC-SHA256 hex of each string (NULL stays NULL); hashes each distinct value once."""
    values = values.cast(pa.string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    uniq = pc.unique(values)
    hashed = pa.array(
        [
            None if v is None else hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest()
            for v in uniq.to_pylist()
        ],
        type=pa.string(),
    )
    return pc.take(hashed, pc.index_in(values, uniq))
