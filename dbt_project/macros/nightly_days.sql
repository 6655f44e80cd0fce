-- The days an incremental mart rebuilds (docs/nightly.md), for a
-- delete+insert on its day column:
-- 1. the days of upstream rows landed after the newest row the mart holds;
-- 2. with `key`: the days the mart holds those rows under now (a row whose
--    timestamp changed leaves its old day too);
-- 3. the look-back: the mart's last `lookback_days` days before its newest
--    (var, default 1 = the ingest's default lookback_hours of 24), for late
--    changes that do not carry a newer _loaded_at (e.g. a trip_planner node
--    status that changes a generation landed earlier).
{% macro nightly_days(
    upstream, upstream_day, upstream_loaded_at,
    target_day, target_loaded_at, key=none
) -%}
    {%- set newest -%}
        (
            select
                coalesce(
                    max({{ target_loaded_at }}),
                    cast('1900-01-01' as timestamp with time zone)
                )
            from {{ this }}
        )
    {%- endset %}
    select {{ upstream_day }} as nightly_day
    from {{ upstream }}
    where {{ upstream_loaded_at }} > {{ newest }}
    {%- if key %}
        union
        select {{ target_day }} as nightly_day
        from {{ this }}
        where {{ key }} in (
            select {{ key }}
            from {{ upstream }}
            where {{ upstream_loaded_at }} > {{ newest }}
        )
    {%- endif %}
        union
        select {{ target_day }} as nightly_day
        from {{ this }}
        where {{ target_day }} >= (
            select max({{ target_day }}) - {{ var('lookback_days', 1) }}
            from {{ this }}
        )
{%- endmacro %}


{#- The days on which an incremental model holds another number of rows than
    its upstream gives now: a source that left the sources file (its calls
    left the landing zone) or came back (its old loads are there again), with
    no newer _loaded_at to show it. target_count: how many upstream rows one
    row of the model stands for (1, or e.g. `requests`); upstream_where: the
    upstream rows the model counts. -#}
{% macro days_out_of_step(
    upstream, upstream_day, target_day, target_count='1', upstream_where='true'
) -%}
    select coalesce(upstream_days.day, target_days.day) as nightly_day
    from (
        select
            {{ upstream_day }} as day,
            count(*) as n
        from {{ upstream }}
        where {{ upstream_where }}
        group by {{ upstream_day }}
    ) as upstream_days
    full outer join (
        select
            {{ target_day }} as day,
            sum({{ target_count }}) as n
        from {{ this }}
        group by {{ target_day }}
    ) as target_days
        on upstream_days.day = target_days.day
    where upstream_days.n is distinct from target_days.n
{%- endmacro %}


{#- The rows of marts.generations a daily mart (grain: usage_date x …) rebuilds
    from: every row on a full build; in a nightly, the rows of nightly_days()
    and, for a mart with costs, every day again when the price data changed
    (no frozen costs). -#}
{% macro generations_on_nightly_days(
    costs=false, target_count='requests', counted='true'
) -%}
    select * from {{ ref('generations') }}
    {% if is_incremental() %}
        where started_on in (
            {{ nightly_days(
                ref('generations'), 'started_on', 'loaded_at',
                'usage_date', 'last_loaded_at'
            ) }}
            union
            {{ days_out_of_step(
                ref('generations'), 'started_on', 'usage_date',
                target_count, counted
            ) }}
        )
        {%- if costs %}
            or {{ prices_changed() }}
        {%- endif %}
    {% endif %}
{%- endmacro %}
