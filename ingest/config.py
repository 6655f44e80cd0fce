"""Where things are: the sources file (SPEC §3) and the data directory.

Resolution of the sources file: ``$WAREHOUSE_SOURCES``, else ``sources.toml`` at the repo
root, else the demo's ``$WAREHOUSE_DATA_DIR/demo/sources.toml`` once ``make demo`` wrote it.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ingest.systems import SYSTEMS

REPO_ROOT = Path(__file__).resolve().parents[1]
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class ConfigError(Exception):
    """A problem with the sources file; the message names the file and the entry."""


def data_dir() -> Path:
    return Path(os.environ.get("WAREHOUSE_DATA_DIR") or REPO_ROOT / "data").resolve()


def demo_dir(base: Path | None = None) -> Path:
    return (base or data_dir()) / "demo"


def sources_file(base: Path | None = None) -> Path | None:
    """The sources file in force, or None when nothing is configured."""
    env = os.environ.get("WAREHOUSE_SOURCES")
    if env:
        return Path(env).resolve()
    for candidate in (REPO_ROOT / "sources.toml", demo_dir(base) / "sources.toml"):
        if candidate.exists():
            return candidate
    return None


def redact(url: str) -> str:
    """The URL with any password replaced by ***, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class Source:
    name: str
    system: str
    url: str
    timezone: str
    password_env: str | None = None
    # how far back each incremental run re-reads timestamp cursors, for late or updated rows
    lookback_hours: float = 24.0

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme or "file"

    @property
    def display_url(self) -> str:
        return redact(self.url)

    def sqlite_path(self) -> Path:
        # sqlite:///relative.db or sqlite:////absolute.db, as SQLAlchemy writes them
        if not self.url.startswith("sqlite:///"):
            raise ConfigError(f"source {self.name}: not a sqlite URL")
        return Path(self.url[len("sqlite:///") :])

    def folder_path(self) -> Path:
        return Path(self.url[len("file://") :] if self.url.startswith("file://") else self.url)

    def __repr__(self) -> str:  # never show a password, even in a traceback
        return f"Source(name={self.name!r}, system={self.system!r}, url={self.display_url!r})"


def load_sources(path: Path) -> list[Source]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: cannot read sources file: {e}") from e
    entries = doc.get("source")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[source]] tables")
    sources: list[Source] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        where = f"{path}: [[source]] #{i}"
        name = entry.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(f"{where}: name must match {_NAME.pattern}, got {name!r}")
        if name in seen:
            raise ConfigError(f"{where}: duplicate source name {name!r}")
        seen.add(name)
        system = entry.get("system")
        if system not in SYSTEMS:
            raise ConfigError(
                f"{where} ({name}): unknown system {system!r}; one of {sorted(SYSTEMS)}"
            )
        url = entry.get("url")
        if not isinstance(url, str) or not url:
            raise ConfigError(f"{where} ({name}): url is required")
        if url.startswith("sqlite:///"):
            rel = url[len("sqlite:///") :]
            if not rel.startswith("/"):
                url = "sqlite:///" + str((path.parent / rel).resolve())
        elif "://" not in url:  # a folder of exported files, relative to this file
            url = "file://" + str((path.parent / url).resolve())
        timezone = entry.get("timezone") or SYSTEMS[system].default_timezone
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ConfigError(f"{where} ({name}): unknown timezone {timezone!r}") from e
        lookback = entry.get("lookback_hours", 24)
        if not isinstance(lookback, int | float) or lookback < 0:
            raise ConfigError(f"{where} ({name}): lookback_hours must be a number >= 0")
        sources.append(
            Source(
                name=name,
                system=system,
                url=url,
                timezone=timezone,
                password_env=entry.get("password_env"),
                lookback_hours=float(lookback),
            )
        )
    return sources
