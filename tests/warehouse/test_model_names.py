"""The canonical model name (warehouse/model_names.py; docs/costs.md, "Model names").

Every expected name is worked by hand from the rules; the last test runs the raw strings
through the price library's own matching first, as stg_landing__models_resolved does."""

from __future__ import annotations

import pytest

from warehouse.model_names import canonical_model, is_moving_alias
from warehouse.pricing import resolve_model


@pytest.mark.parametrize(
    ("provider", "model_raw", "matched", "expected"),
    [
        # the library matched a model or a family: its id
        ("openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini", "gpt-4o-mini"),
        ("openai", "GPT-4o-mini", "gpt-4o-mini", "gpt-4o-mini"),
        ("openai", "openai/gpt-4o", "gpt-4o", "gpt-4o"),
        ("anthropic", "claude-3-5-sonnet-20241022", "claude-3-5-sonnet", "claude-3-5-sonnet"),
        ("openai", "ft:gpt-4o-mini-2024-07-18:acme-ig::B7xKp2Qd", "ft:gpt-4o-mini",
         "ft:gpt-4o-mini"),
        # the library matched a moving alias: the dated snapshot the app wrote ...
        ("anthropic", "claude-3-5-haiku-20241022", "claude-3-5-haiku-latest",
         "claude-3-5-haiku-20241022"),
        ("anthropic", "Claude-3-5-Haiku-20241022 ", "claude-3-5-haiku-latest",
         "claude-3-5-haiku-20241022"),
        ("anthropic", "anthropic/claude-3-5-haiku-20241022", "claude-3-5-haiku-latest",
         "claude-3-5-haiku-20241022"),
        ("anthropic", "claude-3-7-sonnet-20250219", "claude-3-7-sonnet-latest",
         "claude-3-7-sonnet-20250219"),
        # ... or the alias itself, when that is what it wrote (the snapshot is unknown)
        ("anthropic", "claude-3-5-haiku-latest", "claude-3-5-haiku-latest",
         "claude-3-5-haiku-latest"),
        # ... or the family without a date
        ("anthropic", "claude-3-5-haiku", "claude-3-5-haiku-latest", "claude-3-5-haiku"),
        # Ollama: the default tag is the same reference ...
        ("ollama", "llama3.2", None, "llama3.2"),
        ("ollama", "llama3.2:latest", None, "llama3.2"),
        ("ollama", "Llama3.2:Latest", None, "llama3.2"),
        ("ollama", "ollama/llama3.2:latest", None, "llama3.2"),
        # ... other tags are other weights, kept
        ("ollama", "llama3.2:3b", None, "llama3.2:3b"),
        ("ollama", "qwen2.5:7b-instruct-q4", None, "qwen2.5:7b-instruct-q4"),
        ("ollama", "hf.co/bartowski/llama-3.2-3b-instruct-gguf:latest", None,
         "hf.co/bartowski/llama-3.2-3b-instruct-gguf"),
        ("ollama", ":latest", None, ":latest"),  # no name left: kept as written
        # ':latest' of another provider is not Ollama's default tag
        (None, "llama3.2:latest", None, "llama3.2:latest"),
        ("acme", "acme-llm:latest", None, "acme-llm:latest"),
        # unknown to the library: lower-cased and trimmed, the provider's prefix dropped
        ("naver", "HCX-003", None, "hcx-003"),
        ("naver", "naver/HCX-003", None, "hcx-003"),
        (None, " acme-llm-7b ", None, "acme-llm-7b"),
        ("openai", "ft:gpt-4o-mini:acme::X1", None, "ft:gpt-4o-mini:acme::x1"),
        # no model
        (None, None, None, None),
        ("ollama", None, None, None),
        ("ollama", "   ", None, None),
    ],
)  # fmt: skip
def test_canonical_model(provider, model_raw, matched, expected):
    assert canonical_model(provider, model_raw, matched) == expected


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("claude-3-5-haiku-latest", True),
        ("mistral-small-latest", True),
        ("chatgpt-4o-latest", True),
        ("claude-3-5-sonnet", False),
        ("gpt-4o-mini", False),
        ("claude-sonnet-4-0", False),
        ("latest", False),
    ],
)
def test_is_moving_alias(model_id, expected):
    assert is_moving_alias(model_id) is expected


@pytest.mark.parametrize(
    ("provider_raw", "model_raw", "expected"),
    [
        # one model under two names: one canonical name
        ("ollama", "llama3.2", ("ollama", "llama3.2", None)),
        ("ollama", "llama3.2:latest", ("ollama", "llama3.2", None)),
        # the library matches the snapshot to its alias entry; the name stays dated
        (None, "claude-3-5-haiku-20241022",
         ("anthropic", "claude-3-5-haiku-20241022", "claude-3-5-haiku-latest")),
        (None, "claude-3-5-haiku-latest",
         ("anthropic", "claude-3-5-haiku-latest", "claude-3-5-haiku-latest")),
        # a family entry: unchanged
        (None, "claude-3-5-sonnet-20241022",
         ("anthropic", "claude-3-5-sonnet", "claude-3-5-sonnet")),
        (None, "gpt-4o-mini-2024-07-18", ("openai", "gpt-4o-mini", "gpt-4o-mini")),
    ],
)  # fmt: skip
def test_library_match_then_name(provider_raw, model_raw, expected):
    provider, matched = resolve_model(provider_raw, model_raw)
    assert (provider, canonical_model(provider, model_raw, matched), matched) == expected


def test_a_local_model_is_never_matched_to_a_hosted_provider():
    # genai-prices knows deepseek-r1 as DeepSeek's paid API (deepseek-reasoner); served by
    # Ollama it runs locally and must stay unmatched, so the ollama override prices it at 0
    assert resolve_model("ollama", "deepseek-r1") == ("ollama", None)
    assert resolve_model(None, "deepseek-r1")[0] == "deepseek"
