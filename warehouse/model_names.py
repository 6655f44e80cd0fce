"""The canonical model name: what `generations.model` shows for a raw model string.

A pure function of the resolved provider, the raw string and the price library's match,
so the rule stays the same wherever the resolution runs (today the dbt Python model
`stg_landing__models_resolved`; the library lookup itself is `warehouse.pricing.resolve_model`).
Rules and reasons: docs/costs.md, "Model names".
"""

from __future__ import annotations

# Ollama's default tag: `name` and `name:latest` are one reference
OLLAMA_DEFAULT_TAG = ":latest"
# a library entry whose id ends so names a moving alias, not a model or family
MOVING_ALIAS_SUFFIX = "-latest"


def is_moving_alias(model_id: str) -> bool:
    """Whether a price-library model id is an alias that may later point elsewhere."""
    return model_id.lower().endswith(MOVING_ALIAS_SUFFIX)


def _as_written(provider: str | None, model_raw: str) -> str:
    """The app's string trimmed and lower-cased, without a leading `<provider>/`."""
    name = model_raw.strip().lower()
    if provider and name.startswith(provider.lower() + "/"):
        name = name[len(provider) + 1 :]
    return name


def canonical_model(provider: str | None, model_raw: str | None, matched: str | None) -> str | None:
    """The canonical model for one raw string.

    provider: the resolved provider (the library's id, else the app's); model_raw: the
    string exactly as the app wrote it; matched: the library's id of the entry the string
    matched (its list price), None when the library does not know it.

    - No model (NULL or blank): None.
    - The library matched a family or a model (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`):
      the library's id.
    - The library matched a moving alias (an id ending in `-latest`): the name as the app
      wrote it, trimmed and lower-cased: the dated snapshot it called
      (`claude-3-5-haiku-20241022`), or the alias itself when that is what it wrote.
    - Unknown to the library: the name as written, trimmed and lower-cased; for provider
      `ollama` without the default tag `:latest` (`llama3.2:latest` -> `llama3.2`).
    In the last two cases a leading `<provider>/` is dropped, as the library drops it.
    """
    if model_raw is None or not model_raw.strip():
        return None
    if matched is not None and not is_moving_alias(matched):
        return matched
    name = _as_written(provider, model_raw)
    if (
        matched is None
        and provider == "ollama"
        and name.endswith(OLLAMA_DEFAULT_TAG)
        and len(name) > len(OLLAMA_DEFAULT_TAG)
    ):
        name = name[: -len(OLLAMA_DEFAULT_TAG)]
    return name
