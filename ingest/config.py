"""Where things are: the sources file (README) and the data directory.

Resolution of the sources file: ``$WAREHOUSE_SOURCES``, else ``sources.toml`` at the repo
root, else the demo's ``$WAREHOUSE_DATA_DIR/demo/sources.toml`` once ``make demo`` wrote it.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ingest.systems import SYSTEMS
from warehouse.paths import REPO_ROOT, data_dir

_NAME_MAX = 63
_NAME = re.compile(rf"^[a-z][a-z0-9_]{{0,{_NAME_MAX - 1}}}$")
_NAME_RULE = (
    f"use lowercase letters, digits and underscores, start with a letter, "
    f"at most {_NAME_MAX} characters (pattern {_NAME.pattern})"
)


class ConfigError(Exception):
    """A problem with the sources file; the message names the file and the entry."""


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
    # token limits per user and UTC window, {"hour"|"day"|"month": tokens}
    # (marts.quota_breaches); the system's default_quota when the entry has no `quota`
    quota: tuple[tuple[str, int], ...] = ()

    def quota_limit(self, window: str) -> int | None:
        return dict(self.quota).get(window)

    # otel_genai only: the resource attribute whose value is a call's tenant
    tenant_attribute: str = "service.name"
    # otel_genai only: land message content (prompts, completions); off, as it may hold
    # personal data
    store_content: bool = False

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme or "file"

    @property
    def display_url(self) -> str:
        return redact(self.url)

    def sqlite_path(self) -> Path:
        # sqlite:////absolute.db; load_sources has resolved sqlite:///relative.db already
        if not self.url.startswith("sqlite:///"):
            raise ConfigError(f"source {self.name}: not a sqlite URL")
        return Path(self.url[len("sqlite:///") :])

    def folder_path(self) -> Path:
        return Path(self.url[len("file://") :] if self.url.startswith("file://") else self.url)

    def __repr__(self) -> str:  # never show a password, even in a traceback
        return f"Source(name={self.name!r}, system={self.system!r}, url={self.display_url!r})"


# The keys a [[source]] table may hold: the settings of Source, and nothing else.
KEYS: tuple[str, ...] = tuple(f.name for f in fields(Source))
# The windows a `quota` may limit: a UTC clock hour, a UTC day, a UTC calendar month.
QUOTA_WINDOWS: tuple[str, ...] = ("hour", "day", "month")


def _quota(value: object, where: str, default: dict[str, int]) -> tuple[tuple[str, int], ...]:
    """``quota = { hour = 1000, day = 10000, month = 100000 }``: tokens (input + output)
    per user and window. Given, it replaces the system's default entirely (``quota = {}``
    sets no limits); each limit a whole number of tokens >= 1."""
    if value is None:
        return tuple((w, default[w]) for w in QUOTA_WINDOWS if w in default)
    example = "write quota = { hour = 1000, day = 10000, month = 100000 } (any of the three)"
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: quota must be a table of token limits; {example}")
    out = []
    for key, limit in value.items():
        if key not in QUOTA_WINDOWS:
            close = difflib.get_close_matches(key, QUOTA_WINDOWS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"one of {', '.join(QUOTA_WINDOWS)}"
            raise ConfigError(f"{where}: unknown quota window {key!r} ({hint})")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ConfigError(
                f"{where}: quota {key} = {limit!r} is not allowed: give a whole number of "
                "tokens >= 1, or leave the window out for no limit"
            )
    for window in QUOTA_WINDOWS:
        if window in value:
            out.append((window, int(value[window])))
    return tuple(out)


def _unknown_key(key: str) -> str:
    """``unknown key 'timezon' (did you mean 'timezone'?)``, or the known keys."""
    close = difflib.get_close_matches(key, KEYS, n=1)
    if close:
        return f"unknown key {key!r} (did you mean {close[0]!r}?)"
    return f"unknown key {key!r} (known: {', '.join(KEYS)})"


def _check_top_level(path: Path, doc: dict) -> None:
    for key, value in doc.items():
        if key == "source":
            continue
        is_table = isinstance(value, dict) or (
            isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
        )
        close = difflib.get_close_matches(key, ["source"], n=1)
        if is_table and close:
            raise ConfigError(f"{path}: unknown table {key!r} (did you mean 'source'?)")
        kind = "table" if is_table else "key"
        raise ConfigError(
            f"{path}: unknown {kind} {key!r} (the file holds only [[source]] tables, "
            "and a source's settings go inside its own)"
        )
    entries = doc.get("source")
    if isinstance(entries, dict):
        raise ConfigError(f"{path}: write [[source]], with double brackets, one per source")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[source]] tables")
    if not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{path}: 'source' must be [[source]] tables, one per source")


def _sqlite_url(url: str, where: str, base: Path) -> str:
    """SQLAlchemy's form: sqlite:////absolute/path.db stays, and sqlite:///relative.db
    is read relative to the sources file's folder (``base``), not the working directory."""
    if not url.startswith("sqlite:///"):
        raise ConfigError(
            f"{where}: url {redact(url)!r} is not a SQLite URL: write "
            "sqlite:////absolute/path.db (four slashes) or sqlite:///relative/path.db "
            "(three slashes: relative to the sources file)"
        )
    rel = url[len("sqlite:///") :]
    if rel.startswith("/"):
        return url
    return "sqlite:///" + str((base / rel).resolve())


def load_sources(path: Path) -> list[Source]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: cannot read sources file: {e}") from e
    _check_top_level(path, doc)
    sources: list[Source] = []
    seen: set[str] = set()
    for i, entry in enumerate(doc["source"], 1):
        where = f"{path}: [[source]] #{i}"
        name = entry.get("name")
        unknown = [k for k in entry if k not in KEYS]
        if unknown:
            label = f"{where} ({name})" if isinstance(name, str) and name else where
            problems = "; ".join(_unknown_key(k) for k in unknown)
            raise ConfigError(f"{label}: {problems}")
        if name is None:
            raise ConfigError(f"{where}: name is missing")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(f"{where}: name {name!r} is not allowed: {_NAME_RULE}")
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
        if url.startswith("sqlite:"):
            url = _sqlite_url(url, f"{where} ({name})", path.parent)
        elif "://" not in url:  # a folder of exported files, relative to this file
            url = "file://" + str((path.parent / url).resolve())
        timezone = entry.get("timezone", SYSTEMS[system].default_timezone)
        if not isinstance(timezone, str) or not timezone.strip():
            raise ConfigError(
                f"{where} ({name}): timezone is empty; give an IANA name such as "
                f'"UTC" or "Asia/Seoul", or leave the key out for the system\'s default '
                f"({SYSTEMS[system].default_timezone})"
            )
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ConfigError(f"{where} ({name}): unknown timezone {timezone!r}") from e
        lookback = entry.get("lookback_hours", 24)
        if not isinstance(lookback, int | float) or lookback < 0:
            raise ConfigError(f"{where} ({name}): lookback_hours must be a number >= 0")
        quota = _quota(entry.get("quota"), f"{where} ({name})", SYSTEMS[system].default_quota)
        tenant_attribute, store_content = _otel_keys(entry, system, f"{where} ({name})")
        sources.append(
            Source(
                name=name,
                system=system,
                url=url,
                timezone=timezone,
                password_env=entry.get("password_env"),
                lookback_hours=float(lookback),
                quota=quota,
                tenant_attribute=tenant_attribute,
                store_content=store_content,
            )
        )
    return sources


# keys that only a source of one system may set
# (each system module's `source_keys`)
_SYSTEM_KEYS = {key: s.name for s in SYSTEMS.values() for key in s.source_keys}


def _otel_keys(entry: dict, system: str, where: str) -> tuple[str, bool]:
    for key, only in _SYSTEM_KEYS.items():
        if key in entry and system != only:
            raise ConfigError(f"{where}: {key} applies only to system {only!r}, not {system!r}")
    tenant = entry.get("tenant_attribute", "service.name")
    if not isinstance(tenant, str) or not tenant.strip() or tenant != tenant.strip():
        raise ConfigError(
            f"{where}: tenant_attribute must be a resource attribute name such as "
            f'"service.name" or "deployment.environment" (got {tenant!r})'
        )
    store = entry.get("store_content", False)
    if not isinstance(store, bool):
        raise ConfigError(f"{where}: store_content must be true or false (got {store!r})")
    return tenant, store
