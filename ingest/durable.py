"""Making what was written survive a crash: fsync of files and the directories that name
them. A module of its own, with no imports beyond the standard library, so that the
publication step (warehouse/publish.py, run inside every dbt build) does not load the
landing code's dependencies (sqlglot, the casts) to call it."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(dirpath))
