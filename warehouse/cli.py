"""``python -m warehouse``: the warehouse's command line.

run        demo sources if none are configured, extract, dbt build, notebook reports
demo       generate the demo source databases
extract    land every configured source as Parquet (``make ingest``)
build      dbt build in dbt_project/ (``make build``; ``--extract``: ``make ingest build``)
notebooks  export the notebook reports
prices     refresh the price seeds from genai-prices
nightly    locked incremental refresh: extract, dbt build (freshness included), reports, run log
dbt        any dbt command against this warehouse (e.g. ``dbt docs generate``), in dbt_project/
sqlfluff   sqlfluff with the dbt templater against this warehouse (``make lint``)
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import click

from ingest import config, registry
from ingest.extract import Progress, SourceResult, extract_all, format_summary
from ingest.landing import reconcile_sources
from warehouse import dbt_runner, paths


def _sources(data_dir: Path) -> list[config.Source]:
    path = config.sources_file(data_dir)
    if path is None:
        raise click.ClickException(
            "no sources configured: set WAREHOUSE_SOURCES, write sources.toml "
            "(see sources.example.toml), or run `make demo`"
        )
    try:
        return config.load_sources(path)
    except config.ConfigError as e:
        raise click.ClickException(str(e)) from e


@click.group()
def cli() -> None:
    """LLM usage warehouse."""


@cli.command()
@click.option("--days", default=30, show_default=True)
@click.option("--calls-per-day", default=500, show_default=True)
@click.option(
    "--end-date",
    default=None,
    help="last UTC day, YYYY-MM-DD (default: yesterday, UTC); the same end date and "
    "options give the same data",
)
@click.option("--seed", default=42, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="default: DATA/demo")
@click.option("--bad-input", is_flag=True, help="plant the bad-input catalogue (docs/bad_input.md)")
def demo(
    days: int,
    calls_per_day: int,
    end_date: str | None,
    seed: int,
    out: Path | None,
    bad_input: bool,
) -> None:
    """Generate the demo source databases and their ground truth."""
    from demo import DemoOptions, generate, yesterday_utc

    out = out or config.demo_dir(paths.data_dir())
    options = DemoOptions(
        days=days,
        calls_per_day=calls_per_day,
        end_date=dt.date.fromisoformat(end_date) if end_date else yesterday_utc(),
        seed=seed,
        bad_input=bad_input,
    )
    manifest = generate(out, options)
    total = manifest.get("truth_rows", "?")
    planted = manifest.get("bad_input_rows", 0)
    extra = f", {planted} bad-input rows planted" if planted else ""
    window = f"{options.start_date} .. {options.end_date} UTC"
    click.echo(f"demo sources written to {out} ({total} calls, {window}{extra})")


def _extract(data_dir: Path, full_refresh: bool = False) -> list[SourceResult]:
    """Every source of the sources file into the landing zone, the registry of configured
    sources first (ingest/registry.py); prints the summary table."""
    sources = _sources(data_dir)
    registry.write_registry(data_dir, sources)
    for parked in reconcile_sources(data_dir, sources):  # the marts: these sources only
        click.echo(parked.message)
    results = extract_all(sources, data_dir, Progress(), full_refresh=full_refresh)
    click.echo(format_summary(results))
    return results


def _fail(results: list[SourceResult], dbt: dbt_runner.DbtResult | None = None, *more: str) -> None:
    """Exit 1 naming every failed source, a failed dbt command and ``more`` problems,
    once everything has run."""
    problems = [r.error or f"source {r.source.name} failed" for r in results if r.status != "ok"]
    if dbt is not None and not dbt.ok:
        problems.append(f"dbt {dbt.command} failed (exit {dbt.returncode}): see its summary above")
    problems += more
    if problems:
        raise click.ClickException("\n".join(problems))


@cli.command()
@click.option("--full-refresh", is_flag=True, help="re-read everything, ignoring cursors")
def extract(full_refresh: bool = False) -> None:
    """Land every configured source as Parquet under DATA/landing."""
    results = _extract(paths.data_dir(), full_refresh)
    if any(r.status != "ok" for r in results):
        sys.exit(1)


@cli.command()
@click.option(
    "--extract",
    "with_extract",
    is_flag=True,
    help="extract every source first (`make ingest build`): a failed source is named and "
    "makes the exit status 1, after the others are built",
)
def build(with_extract: bool) -> None:
    """dbt build: seeds, models and tests into DATA/warehouse.duckdb (full dbt log in
    DATA/dbt/logs/dbt.log)."""
    data_dir = paths.data_dir()
    results = _extract(data_dir) if with_extract else []
    dbt = dbt_runner.run(data_dir, "build", echo=click.echo)
    _fail(results, dbt, *registry.stale_sources(data_dir))


def _notebooks(data_dir: Path) -> None:
    from warehouse.reports import export_notebooks

    for path in export_notebooks(data_dir):
        click.echo(f"report: {path}")


@cli.command()
@click.argument("name")
def forget(name: str) -> None:
    """Delete the landed files of NAME, a source no longer in the sources file."""
    from ingest.landing import forget_source, parked_sources

    data_dir = paths.data_dir()
    path = config.sources_file(data_dir)
    if path is not None and name in {s.name for s in _sources(data_dir)}:
        raise click.ClickException(
            f"source {name} is configured in {path}: remove it from there first"
        )
    removed = forget_source(data_dir, name)
    if not removed:
        parked = ", ".join(n for _s, n in parked_sources(data_dir)) or "none"
        raise click.ClickException(
            f"no landed files of a source {name} that is no longer configured "
            f"(sources no longer configured: {parked})"
        )
    for folder in removed:
        click.echo(f"deleted {folder}")


@cli.command()
def notebooks() -> None:
    """Export every notebook to HTML under DATA/reports."""
    _notebooks(paths.data_dir())


@cli.command()
def prices() -> None:
    """Refresh the price seeds (model_prices.csv, model_price_tiers.csv) from genai-prices."""
    from warehouse.pricing import export_prices, export_tiers, library_version

    n = export_prices(dbt_runner.DBT_DIR / "seeds" / "model_prices.csv")
    k = export_tiers(dbt_runner.DBT_DIR / "seeds" / "model_price_tiers.csv")
    click.echo(f"{n} price rows and {k} long-context tier rows from {library_version()}")


@cli.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """The main job: demo if nothing is configured, then extract, build, notebooks."""
    data_dir = paths.data_dir()
    if config.sources_file(data_dir) is None:
        click.echo("no sources configured: generating the demo sources")
        ctx.invoke(demo, days=30, calls_per_day=500, end_date=None, seed=42, out=None)
    click.echo(f"sources: {config.sources_file(data_dir)}")
    # each step runs whatever failed before it (as in the nightly); the exit status says
    results = _extract(data_dir)
    built = dbt_runner.run(data_dir, "build", echo=click.echo)
    reports_failed: list[str] = []
    try:
        _notebooks(data_dir)
    except RuntimeError as e:  # a notebook that cannot render (e.g. a mart missing)
        reports_failed.append(str(e))
    click.echo(f"warehouse: {data_dir / 'warehouse.duckdb'}")
    _fail(results, built, *reports_failed)


@cli.command()
@click.option("--full-refresh", is_flag=True, help="re-read every source, rebuild every model")
@click.option(
    "--wait",
    type=float,
    default=0,
    show_default=True,
    help="seconds to wait for a running refresh to finish (0: exit at once)",
)
@click.option("--no-notebooks", is_flag=True, help="skip the notebook reports")
def nightly(full_refresh: bool, wait: float, no_notebooks: bool) -> None:
    """The nightly refresh, under the warehouse's lock (docs/nightly.md)."""
    from warehouse import nightly as nl

    data_dir = paths.data_dir()
    try:
        with nl.refresh_lock(data_dir, wait=wait):
            refresh = nl.nightly(
                _sources(data_dir), data_dir, full_refresh, not no_notebooks, click.echo
            )
    except nl.LockedError as e:
        click.echo(f"nightly: {e}", err=True)
        sys.exit(nl.EXIT_LOCKED)
    if not refresh.ok:
        failed = [s.name for s in refresh.steps if not s.ok]
        click.echo(f"nightly: FAILED ({', '.join(failed)})", err=True)
        sys.exit(1)
    click.echo("nightly: ok")


def _with_dbt_env(tool: str, args: tuple[str, ...], cwd: Path | None) -> None:
    """Run `tool` (from this Python's environment) with the dbt environment of the
    warehouse in $WAREHOUSE_DATA_DIR (warehouse/paths.py), and exit with its status."""
    data_dir = paths.data_dir()
    (data_dir / "dbt").mkdir(parents=True, exist_ok=True)
    exe = shutil.which(tool, path=str(Path(sys.executable).parent)) or tool
    sys.exit(subprocess.run([exe, *args], cwd=cwd, env=paths.dbt_env(data_dir)).returncode)


_PASS_THROUGH = {"ignore_unknown_options": True, "help_option_names": []}


@cli.command(context_settings=_PASS_THROUGH)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def dbt(args: tuple[str, ...]) -> None:
    """dbt ARGS in dbt_project/, against this warehouse (its profiles, target and log
    paths), e.g. ``python -m warehouse dbt docs generate``. The nightly's lock is not
    taken: run it between refreshes."""
    _with_dbt_env("dbt", args, paths.DBT_DIR)


@cli.command(context_settings=_PASS_THROUGH)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def sqlfluff(args: tuple[str, ...]) -> None:
    """sqlfluff ARGS from the current folder (its dbt templater compiles the project
    against this warehouse), e.g. ``python -m warehouse sqlfluff lint dbt_project/models``."""
    _with_dbt_env("sqlfluff", args, None)
