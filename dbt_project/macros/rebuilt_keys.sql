{#- Incremental marts keyed on an id rather than a day (sessions, users:
    docs/nightly.md). Their rows are rebuilt whole, from all their calls, when
    they have a call on a day that generations rebuilt in this refresh, or
    held one before. The plan, worked out before the build (dbt run_query,
    `this` as the last build left it, generations as this refresh left it):

    - none: rebuild every row (delete them all first): the price data changed
      (the rows carry costs) or the sources with calls differ from the sources
      the mart holds (a source parked or configured again);
    - else `days`: the days of generations rows loaded after the newest
      `last_loaded_at` the mart holds, and the look-back (its newest day and the
      lookback_days before it, as generations does: a call's session or status
      can change without a newer loaded_at of its own); the rows rebuilt are the
      ids with a call on those days now, and the ids the mart holds whose
      [first_at, last_at] overlaps them (they may have lost such a call);
    - `span`: the days to read generations on: `days`, and every day the
      rebuilt ids the mart holds cover. A rebuilt id's calls are either
      unchanged (on a day its old row covers) or changed (on one of `days`),
      so reading `span` gives all its calls. When `span` is every day the mart
      covers, the plan is none (a full build reads the same calls, without
      the filter by id).

    Not seen: a call reloaded both onto another day and into another session
    (or user) outside the look-back leaves its old session counting it: the
    test assert_calls_counted_once (sessions and users sum to generations)
    fails, and `nightly --full-refresh` repairs it. -#}
{% macro key_rebuild_plan(key, first_at, last_at, held_where='true') -%}
    {%- if not (execute and is_incremental()) -%}{{ return(none) }}{%- endif -%}
    {%- set changed = run_query(
        "select " ~ prices_changed() ~ " as changed"
    ).columns[0].values()[0] -%}
    {%- if changed -%}{{ return(none) }}{%- endif -%}
    {%- set sources_query -%}
        select
            (
                select string_agg(source_name, ',' order by source_name)
                from (
                    select distinct source_name from {{ this }}
                    where {{ held_where }}
                )
            ),
            (
                select string_agg(source_name, ',' order by source_name)
                from (
                    select distinct source_name from {{ ref('generations') }}
                    where {{ key }} is not null
                )
            ),
            (select cast(max(last_loaded_at) as varchar) from {{ this }}),
            (select cast(cast(max({{ last_at }}) as date) as varchar) from {{ this }})
    {%- endset -%}
    {%- set row = run_query(sources_query).rows[0] -%}
    {%- if (row[0] or '') != (row[1] or '') -%}{{ return(none) }}{%- endif -%}
    {%- set newest = row[2] or '1900-01-01 00:00:00+00' -%}
    {%- set days_query -%}
        select distinct started_on
        from {{ ref('generations') }}
        where loaded_at > timestamptz '{{ newest }}'
        {%- if row[3] %}
            union
            select cast(unnest(range(
                cast(date '{{ row[3] }}' - {{ var('lookback_days', 1) }} as timestamp),
                cast(date '{{ row[3] }}' + 1 as timestamp),
                interval 1 day
            )) as date)
        {%- endif %}
        order by 1
    {%- endset -%}
    {%- set days = query_days(days_query) -%}
    {%- set span = [] -%}
    {%- if days -%}
        {%- set span_query -%}
            select distinct day from (
                select cast(unnest(range(
                    cast(cast({{ first_at }} as date) as timestamp),
                    cast(cast({{ last_at }} as date) + 1 as timestamp),
                    interval 1 day
                )) as date) as day
                from {{ this }}
                where
                    {{ overlaps_days(first_at, last_at, days) }}
                    or {{ key }} in (
                        select {{ key }} from {{ ref('generations') }}
                        where started_on in ({{ date_list(days) }})
                    )
                union
                select unnest([{{ date_list(days) }}])
            )
            order by 1
        {%- endset -%}
        {%- set span = query_days(span_query) -%}
        {#- ids active on every day (e.g. a few users calling daily): the span
            is all the days the mart covers, and a plain full build is
            cheaper than filtering every call by id -#}
        {%- set covered = run_query(
            "select cast(cast(max(" ~ last_at ~ ") as date) - cast(min("
            ~ first_at ~ ") as date) + 1 as integer) from " ~ this
        ).columns[0].values()[0] -%}
        {%- if covered is not none and span | length >= covered -%}
            {{ return(none) }}
        {%- endif -%}
    {%- endif -%}
    {{ return({'days': days, 'span': span}) }}
{%- endmacro %}


{#- date 'a', date 'b', … -#}
{% macro date_list(days) -%}
    {%- for d in days %}date '{{ d }}'{{ ', ' if not loop.last }}{% endfor -%}
{%- endmacro %}


{#- A row of the mart whose [first_at, last_at] covers one of `days` (ISO
    dates, sorted), as comparisons of the timestamps themselves with the UTC
    bounds of each run of consecutive days: no per-row cast to a date. -#}
{% macro overlaps_days(first_at, last_at, days) -%}
    {%- set runs = [] -%}
    {%- for d in days -%}
        {%- set day = modules.datetime.date.fromisoformat(d) -%}
        {%- if runs and runs[-1][-1] + modules.datetime.timedelta(days=1) == day -%}
            {%- do runs[-1].append(day) -%}
        {%- else -%}
            {%- do runs.append([day]) -%}
        {%- endif -%}
    {%- endfor -%}
    (
        {%- for run in runs %}
            {%- set after = run[-1] + modules.datetime.timedelta(days=1) %}
            {{ 'or ' if not loop.first }}(
                {{ first_at }} < timestamptz '{{ after }} 00:00:00+00'
                and {{ last_at }} >= timestamptz '{{ run[0] }} 00:00:00+00'
            )
        {%- endfor %}
    )
{%- endmacro %}


{#- The generations rows a key-rebuilt mart aggregates: all of them, or, on an
    incremental build, the calls on the plan's `span` of the ids it rebuilds. -#}
{% macro generations_of_rebuilt_keys(plan, key, first_at, last_at) -%}
    select * from {{ ref('generations') }}
    {%- if plan is not none %}
        {%- if plan.days %}
            where
                started_on >= date '{{ plan.span[0] }}'
                and started_on <= date '{{ plan.span[-1] }}'
                and started_on in ({{ date_list(plan.span) }})
                and {{ key }} in ({{ rebuilt_keys(plan, key, first_at, last_at) }})
        {%- else %}
            where false
        {%- endif %}
    {%- endif %}
{%- endmacro %}


{#- The ids a key-rebuilt mart rebuilds from its calls (plan not none): those
    with a call on the plan's days now, and those it holds that cover one. -#}
{% macro rebuilt_keys(plan, key, first_at, last_at) -%}
    {%- if plan.days -%}
        select {{ key }} from {{ ref('generations') }}
        where
            started_on in ({{ date_list(plan.days) }})
            and {{ key }} is not null
        union
        select {{ key }} from {{ this }}
        where {{ overlaps_days(first_at, last_at, plan.days) }}
    {%- else -%}
        select {{ key }} from {{ this }} where false
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook of a key-rebuilt mart: with no plan (every row rebuilt), every
    row goes; else the rows it rebuilds that have no call left (a delete+insert
    on the key replaces only ids that still have rows). `keep`: a query of ids
    kept even without calls (users named by a user table); `also_drop`: a
    condition on rows to drop whatever the days (users no longer named). -#}
{% macro drop_rebuilt_keys_without_calls(
    key, first_at, last_at, held_where='true', keep=none, also_drop=none
) -%}
    {%- if execute and is_incremental() -%}
        {%- set plan = key_rebuild_plan(key, first_at, last_at, held_where) -%}
        {%- if plan is none -%}
            delete from {{ this }}
        {%- elif plan.days or also_drop -%}
            delete from {{ this }}
            where
                {%- if plan.days %}
                (
                    {{ overlaps_days(first_at, last_at, plan.days) }}
                    and {{ key }} not in (
                        select {{ key }} from {{ ref('generations') }}
                        where
                            started_on in ({{ date_list(plan.span) }})
                            and {{ key }} is not null
                    )
                    {%- if keep %}
                        and {{ key }} not in ({{ keep }})
                    {%- endif %}
                )
                {%- else %}
                false
                {%- endif %}
                {%- if also_drop %}
                    or ({{ also_drop }})
                {%- endif %}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
