"""Small pools of realistic texts; generators pick from them by index."""

from __future__ import annotations

from itertools import product

# ---------------------------------------------------------------- ai_process_log (Korean)
_AI_TOPICS = [
    "연차 휴가 신청 절차",
    "법인카드 사용 규정",
    "재택근무 신청 방법",
    "출장비 정산 기준",
    "보안 교육 일정",
    "사내 메신저 설치",
    "급여 명세서 조회",
    "회의실 예약 방법",
    "신규 입사자 온보딩",
    "퇴직금 산정 방식",
    "복지 포인트 사용처",
    "개인정보 처리 지침",
]
AI_SESSION_TITLES = [f"{t} 문의" for t in _AI_TOPICS] + [f"{t} 관련 질문" for t in _AI_TOPICS]

# ---------------------------------------------------------------- trip_planner (Korean)
_PLACES = [
    "성수동",
    "연남동",
    "익선동",
    "을지로",
    "한남동",
    "서촌",
    "부산 해운대",
    "제주 애월",
    "강릉",
]
_TRIP_ASKS = [
    "에서 데이트 코스 추천해줘",
    "에서 반나절 동안 갈 만한 곳 알려줘",
    " 근처 분위기 좋은 카페랑 맛집 일정 짜줘",
    "에서 비 오는 날 실내 데이트 코스 짜줘",
    "에서 저녁 7시부터 야경 보기 좋은 코스",
]
TRIP_USER_INPUTS = [p + a for p, a in product(_PLACES, _TRIP_ASKS)]
TRIP_PLACE_OF_INPUT = [p for p, _ in product(_PLACES, _TRIP_ASKS)]

TRIP_SYSTEM_PROMPTS = {
    "analyze_user_input": "당신은 여행 일정 플래너입니다. 사용자 입력에서 지역, 시간, 테마, "
    "의도를 추출해 JSON으로만 답하세요.",
    "recommend_places": "당신은 장소 큐레이터입니다. 후보 장소 목록에서 사용자 의도에 맞는 "
    "장소를 5곳 골라 이유와 함께 JSON 배열로 답하세요.",
    "generate_itinerary": "당신은 데이트 코스 전문가입니다. 선택된 장소로 이동 시간을 고려한 "
    "시간표를 만들어 JSON 배열로만 답하세요.",
}
TRIP_OUTPUTS = {
    "analyze_user_input": [
        '{"region": "%s", "theme": "카페 투어", "mood": "로맨틱", "duration_hours": 4}',
        '{"region": "%s", "theme": "맛집 탐방", "mood": "캐주얼", "duration_hours": 6}',
        '{"region": "%s", "theme": "야경", "mood": "감성", "duration_hours": 3}',
    ],
    "recommend_places": [
        '[{"name": "%s 카페 A", "reason": "조용한 분위기"}, '
        '{"name": "%s 파스타", "reason": "평점 4.6"}]',
        '[{"name": "%s 갤러리", "reason": "실내 전시"}, {"name": "%s 와인바", "reason": "야경"}]',
    ],
    "generate_itinerary": [
        '[{"time": "14:00", "place": "%s 카페 A"}, {"time": "16:00", "place": "%s 산책로"}, '
        '{"time": "18:30", "place": "%s 파스타"}]',
        '[{"time": "19:00", "place": "%s 와인바"}, {"time": "21:00", "place": "%s 전망대"}]',
    ],
}
TRIP_ERRORS_OLLAMA = [
    "ReadTimeout: Ollama did not respond in 60s",
    "httpx.ConnectError: [Errno 111] Connection refused (ollama at localhost:11434)",
]
TRIP_ERRORS_OPENAI = [
    "openai.RateLimitError: Error code: 429 - Rate limit reached for gpt-4o-mini",
    "openai.APITimeoutError: Request timed out.",
]
TRIP_TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "src/db_logger.py", line 142, in node_context\n'
    "    yield node\n"
    '  File "src/nodes.py", line 88, in {node}\n'
    "    response = await self.llm.ainvoke(messages)\n"
    "{error}\n"
)

# ---------------------------------------------------------------- text2sql
_T2S_Q = [
    ("지난달 지역별 매출 합계를 보여줘", "SELECT region, SUM(amount) FROM sales GROUP BY region"),
    (
        "이번 주 신규 가입자 수는?",
        "SELECT COUNT(*) FROM members WHERE joined_at >= DATE('now', '-7 day')",
    ),
    ("재고가 10개 미만인 상품 목록", "SELECT name, stock FROM products WHERE stock < 10"),
    (
        "월별 주문 건수 추이를 알려줘",
        "SELECT strftime('%Y-%m', ordered_at) m, COUNT(*) FROM orders GROUP BY m",
    ),
    (
        "가장 많이 팔린 상품 5개",
        "SELECT product_id, SUM(qty) q FROM order_items GROUP BY 1 ORDER BY q DESC LIMIT 5",
    ),
    (
        "Show total revenue by month for 2025",
        "SELECT strftime('%m', ordered_at), SUM(revenue) FROM orders GROUP BY 1",
    ),
    (
        "Which customers placed more than 3 orders?",
        "SELECT customer_id FROM orders GROUP BY 1 HAVING COUNT(*) > 3",
    ),
    ("Average order value per channel", "SELECT channel, AVG(amount) FROM orders GROUP BY channel"),
    (
        "List employees hired after 2023 in the sales team",
        "SELECT name FROM employees WHERE dept = 'sales' AND hired_at > '2023-12-31'",
    ),
    (
        "How many support tickets are still open?",
        "SELECT COUNT(*) FROM tickets WHERE status = 'open'",
    ),
]
T2S_QUESTIONS = [q for q, _ in _T2S_Q]
T2S_SQL = [s for _, s in _T2S_Q]
# Planted in a few calls in place of the question's SQL (marts.generated_sql has something
# to find): joins and subqueries, statements that write or drop (an LLM writing DML is a
# security finding), and text no SQL parser reads. (sql, the app runs it and fails)
T2S_PLANTED_SQL = [
    (
        "SELECT c.name, SUM(o.amount) AS total FROM orders o JOIN customers c "
        "ON o.customer_id = c.id LEFT JOIN regions r ON c.region_id = r.id "
        "GROUP BY c.name ORDER BY total DESC",
        False,
    ),
    (
        "SELECT name FROM products WHERE id IN (SELECT product_id FROM order_items "
        "WHERE qty > (SELECT AVG(qty) FROM order_items))",
        False,
    ),
    (
        "WITH recent AS (SELECT customer_id FROM orders WHERE ordered_at > '2025-01-01') "
        "SELECT COUNT(DISTINCT customer_id) FROM recent",
        False,
    ),
    ("DELETE FROM orders WHERE status = 'cancelled'", False),
    ("UPDATE products SET stock = 0 WHERE discontinued = 1", False),
    ("INSERT INTO audit (note) SELECT name FROM employees", False),
    ("DROP TABLE members", False),
    ("SELECT name FROM employees; DROP TABLE employees", True),
    ("SELEC name, stock FROM products WHERE stock < 10", True),
    ("SELECT region, SUM(amount FROM sales GROUP BY region", True),
]
T2S_QUESTION_LANG = [0 if any("가" <= ch <= "힣" for ch in q) else 1 for q, _ in _T2S_Q]
T2S_ERRORS = [
    "no such column: revenue",
    "no such table: members",
    'near "GROUP": syntax error',
    "ambiguous column name: id",
]
# Why each failure the generators write happened, in the warehouse's classes
# (generations.error_class, docs/errors.md): the generator's own ground truth.
ERROR_CAUSES = {
    "ReadTimeout: Ollama did not respond in 60s": "timeout",
    "httpx.ConnectError: [Errno 111] Connection refused (ollama at localhost:11434)": (
        "server_error"
    ),
    "openai.RateLimitError: Error code: 429 - Rate limit reached for gpt-4o-mini": "rate_limit",
    "openai.APITimeoutError: Request timed out.": "timeout",
    "no such column: revenue": "tool_error",
    "no such table: members": "tool_error",
    'near "GROUP": syntax error': "tool_error",
    "ambiguous column name: id": "tool_error",
}
T2S_ANSWERS = [
    "요청하신 결과입니다. 총 {n}개의 행이 조회되었습니다.",
    "Here are the results: {n} rows returned.",
]
T2S_SESSION_TITLES = [
    "매출 분석",
    "회원 현황",
    "재고 점검",
    "Revenue review",
    "Ops metrics",
    "주문 통계",
]

# ---------------------------------------------------------------- instagram_feed (Korean)
TENANTS = [
    "tenant_cafe_seoul",
    "tenant_bakery_busan",
    "tenant_flower_daegu",
    "tenant_salon_incheon",
    "tenant_bistro_jeju",
]
IG_PRODUCTS = [
    ("딸기 크림 라떼", "Fresh strawberry cream latte for spring"),
    ("바질 토마토 파니니", "Crispy basil tomato panini, made daily"),
    ("말차 티라미수", "Rich matcha tiramisu with mascarpone"),
    ("수제 소금빵", "Hand-made butter salt bread, warm from the oven"),
    ("프리지아 꽃다발", "Freesia bouquet to brighten your day"),
    ("여름 한정 망고 빙수", "Limited summer mango bingsu"),
    ("시그니처 헤어 클리닉", "Signature hair clinic treatment"),
]
IG_TONES = ["따뜻하고 친근한", "감성적이고 차분한", "유쾌하고 발랄한", "고급스럽고 세련된"]
IG_STORES = [
    "서울 마포구 연남동 23-1, 매일 10:00-21:00",
    "부산 해운대구 우동 145, 월요일 휴무",
    "대구 중구 동성로 88, 2층",
    "인천 연수구 송도동 12-3, 주차 가능",
    "제주시 애월읍 애월해안로 210",
]
IG_COPIES = [
    "오늘 하루도 수고한 나에게 {p} 한 잔의 여유를 선물하세요 ☕️ 매장에서 기다릴게요!",
    "새로 나온 {p}, 한 입 먹으면 멈출 수 없는 맛이에요 😋 이번 주 한정 할인 중!",
    "{p}와 함께하는 특별한 주말 🌿 친구와 함께 방문하면 더 즐거워요.",
    "드디어 출시! {p} 🎉 지금 바로 만나보세요. 수량이 한정되어 있어요.",
]
# copies some tenants post in other languages (feed_outputs.copy_language finds them)
IG_COPIES_EN = [
    "Treat yourself today: {p}, waiting for you at the counter!",
    "Our {p} is back this week only. Come early, it sells out fast.",
]
IG_COPIES_JA = [
    "本日のおすすめ：{p}。ぜひお店でお試しください！",
]
IG_TAGS = [
    "#카페",
    "#신메뉴",
    "#디저트",
    "#카페스타그램",
    "#맛집",
    "#데일리",
    "#주말",
    "#연남동카페",
    "#빵스타그램",
    "#꽃집",
    "#선물추천",
    "#여름메뉴",
    "#오늘뭐먹지",
    "#먹스타그램",
    "#감성카페",
    "#핫플",
]

# ---------------------------------------------------------------- ml_gateway (Japanese/English)
GW_PROMPTS = [
    "この文章を丁寧な日本語に書き直してください：明日の会議は中止です。",
    "次の議事録を3行で要約してください。",
    "Pythonでリストを重複なくソートする方法を教えて。",
    "顧客からのクレームメールへの返信文を作成してください。",
    "Translate to English: 本日の出荷は遅延しております。",
    "Summarize the following support ticket in one sentence.",
    "Write a SQL query that returns the top 10 products by sales.",
    "Explain the difference between TCP and UDP briefly.",
    "新商品のキャッチコピーを5つ提案してください。",
    "Classify the sentiment of this review: 'Shipping was slow but the product is great.'",
]
GW_RESPONSES = [
    "承知しました。以下が修正案です：明日の会議は中止となりました。",
    "要約：1) 予算を承認 2) 次回は7月3日 3) 担当者を決定。",
    "`sorted(set(items))` を使うと重複を除いてソートできます。",
    "このたびはご不便をおかけし、誠に申し訳ございません。",
    "Today's shipment is delayed.",
    "The customer cannot log in after the password reset.",
    "SELECT product_id, SUM(amount) AS sales FROM orders GROUP BY 1 ORDER BY 2 DESC LIMIT 10;",
    "TCP is connection-oriented and reliable; UDP is connectionless and faster.",
    "1. 毎日がちょっと特別に。2. 新しい定番、はじまる。",
    "Mixed / positive overall.",
]
