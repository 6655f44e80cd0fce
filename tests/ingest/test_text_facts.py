"""The language of generated text, landed beside it (ingest/text_facts.py): hand-picked
texts whose language is known, and the texts that have none."""

from __future__ import annotations

import pyarrow as pa
import pytest

from ingest import text_facts


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("오늘 하루도 수고한 나에게 딸기 크림 라떼 한 잔의 여유를 선물하세요 ☕️", "ko"),
        ("Treat yourself today: a fresh croissant, waiting for you at the counter!", "en"),
        ("本日のおすすめ：抹茶ティラミス。ぜひお店でお試しください！", "ja"),
        ("Notre nouvelle tarte aux fraises est arrivée, venez la goûter !", "fr"),
        # hashtags say little about the sentence: left out
        ("Fresh bread every morning, come and see us #카페 #빵스타그램 #맛집", "en"),
        ("#카페 #신메뉴", None),
        ("☕️ 🎉 !!! 2025", None),
        ("   ", None),
        (None, None),
    ],
)
def test_language(text, want):
    assert text_facts.language(text) == want


def test_scan_gives_one_value_per_row_repeats_included():
    bread = "Fresh bread every morning, come and see us"
    texts = [bread, None, bread, "빵이 나왔어요, 따뜻할 때 드세요"]
    (arr,) = text_facts.scan(pa.array(texts, pa.string()))
    assert arr.to_pylist() == ["en", None, "en", "ko"]
