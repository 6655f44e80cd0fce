"""The language an LLM wrote a text in, read with py3langid at landing time.

instagram_feed's model writes ad copy (``instagram_feeds.instagram_ad_copy``) for tenants
who post in Korean, English, Japanese, ... Telling the language needs a trained model,
which a dbt model (on DuckDB or Spark) cannot run, so the fact lands beside the text:

- ``_text_language``: the ISO 639-1 code py3langid (its bundled model, 97 languages)
  finds most likely, e.g. ``ko``, ``en``, ``ja``; NULL when the text has no letter
  (NULL, blank, only emoji, digits or punctuation). Hashtags are left out first (``#카페``
  says little about the sentence's language).

Facts are computed once per distinct text in a batch (generated copy repeats).
"""

from __future__ import annotations

import re

import py3langid  # type: ignore[import-untyped]
import pyarrow as pa

from ingest.distinct import per_distinct

FIELDS = [pa.field("_text_language", pa.string())]
_HASHTAG = re.compile(r"#\S+")


def language(text: str | None) -> str | None:
    """The language code of one text, or None when it has no letter."""
    if text is None:
        return None
    body = _HASHTAG.sub(" ", text)
    if not any(ch.isalpha() for ch in body):
        return None
    code, _score = py3langid.classify(body)
    return str(code)


def scan(arr: pa.Array) -> list[pa.Array]:
    """The FIELDS arrays for a column of texts."""
    return [pa.array(per_distinct(arr, language), pa.string())]
