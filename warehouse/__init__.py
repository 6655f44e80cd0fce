"""The LLM usage warehouse as an application: command line, paths, dbt runner, nightly,
pricing, publication and reports. Extraction is the `ingest` package; the demo sources
are the `demo` package."""
