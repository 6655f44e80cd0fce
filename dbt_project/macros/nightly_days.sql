{#- The days an incremental mart by day rebuilds in a nightly build
    (docs/nightly.md), worked out before the build as literal values, the same
    for its pre-hook (which deletes them, macro delete_days) and its select
    (which re-inserts them): so a day that lost its last row goes, whatever the
    cause, and the select's filter reaches the upstream's scans (zone maps on
    loaded_at and on the call time) instead of computing every row. Returns
    none for "every day" (`costs`: the mart has costs and the price data
    changed: no frozen costs), else a list of ISO dates:
    1. the days of `upstream` rows loaded after the newest row the mart holds;
    2. with `key`: the days the mart holds those rows under now (a row whose
       timestamp changed leaves its old day too); `upstream_key` names the key
       upstream when it is named otherwise there;
    3. the look-back: the mart's last `lookback_days` days (var, default 1 =
       the ingest's default lookback_hours of 24), for late changes that carry
       no newer loaded_at (e.g. a trip_planner node status that changes a
       generation landed earlier);
    4. the days whose row count differs from the upstream's (macro
       days_out_of_step: a source left the sources file or came back, with no
       newer loaded_at to show it). `out_of_step='sources_changed'` looks only
       when the landed sources differ from those the mart holds (an upstream
       that is a view over the staging tables, where counting every day is a
       full pass); target_count, upstream_where, upstream_count: what is
       counted (days_out_of_step). -#}
{% macro rebuilt_days(
    upstream, upstream_day, target_day, upstream_loaded_at='loaded_at',
    target_loaded_at='loaded_at', key=none, upstream_key=none, costs=false,
    out_of_step='always', target_count='1', upstream_where='true',
    upstream_count='1'
) -%}
    {%- set args = [
        upstream, upstream_day, target_day, upstream_loaded_at,
        target_loaded_at, key, upstream_key, costs, out_of_step,
        target_count, upstream_where, upstream_count
    ] -%}
    {{ return(nightly_days_once('rebuilt_days', worked_out_rebuilt_days, args)) }}
{%- endmacro %}


{#- The days of rebuilt_days, worked out (the same arguments). -#}
{% macro worked_out_rebuilt_days(
    upstream, upstream_day, target_day, upstream_loaded_at,
    target_loaded_at, key, upstream_key, costs, out_of_step, target_count,
    upstream_where, upstream_count
) -%}
    {%- if costs and run_query(
        "select " ~ prices_changed() ~ " as changed"
    ).columns[0].values()[0] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set held = run_query(
        "select cast(max(" ~ target_loaded_at ~ ") as " ~ string_type() ~ ")"
        ~ (", " ~ sorted_distinct_text('source_name')
           if out_of_step == 'sources_changed' else "")
        ~ " from " ~ this
    ).rows[0] -%}
    {%- set newest = timestamptz_literal(held[0] or '1900-01-01 00:00:00+00') -%}
    {%- set check_counts = out_of_step == 'always' -%}
    {%- if out_of_step == 'sources_changed' -%}
        {%- set holds = (held[1] or '').split(',') | reject('equalto', '') | list -%}
        {%- set check_counts = (landed_call_sources() | sort) != (holds | sort) -%}
    {%- endif -%}
    {%- set query -%}
        select distinct nightly_day from (
            select {{ upstream_day }} as nightly_day
            from {{ upstream }}
            where {{ upstream_loaded_at }} > {{ newest }}
            {%- if key %}
                union
                select {{ target_day }} from {{ this }}
                where {{ key }} in (
                    select {{ upstream_key or key }} from {{ upstream }}
                    where {{ upstream_loaded_at }} > {{ newest }}
                )
            {%- endif %}
            union
            select {{ target_day }} from {{ this }}
            where {{ target_day }} >= (
                select max({{ target_day }}) - {{ var('lookback_days', 1) }}
                from {{ this }}
            )
            {%- if check_counts %}
                union
                {{ days_out_of_step(
                    upstream, upstream_day, target_day,
                    target_count=target_count, upstream_where=upstream_where,
                    upstream_count=upstream_count
                ) }}
            {%- endif %}
        ) as days
        where nightly_day is not null
        order by 1
    {%- endset -%}
    {{ return(query_days(query)) }}
{%- endmacro %}


{#- Day sets worked out in this dbt invocation, by model and arguments: a
    mart's select (compiled first) and its pre-hook (rendered just before it
    runs, nothing built in between) ask for the same day set, whose query
    reads whole columns of the upstream, so the second asks the first's
    answer. Kept in the graph dict dbt hands to every render of one
    invocation (a new process, a new dict: nothing outlives the build).
    `worker`: the macro that works the day set out, called with `args` the
    first time; `name` and `args` key the answer with the model. -#}
{% macro nightly_days_once(name, worker, args=[]) -%}
    {%- if 'llm_usage_warehouse_nightly_days' not in graph -%}
        {%- do graph.update({'llm_usage_warehouse_nightly_days': {}}) -%}
    {%- endif -%}
    {%- set cache = graph['llm_usage_warehouse_nightly_days'] -%}
    {%- set cache_key = name ~ ':' ~ this ~ ':' ~ (args | join('|')) -%}
    {%- if cache_key not in cache -%}
        {%- do cache.update({cache_key: worker(*args)}) -%}
    {%- else -%}
        {%- do log('nightly days of ' ~ this ~ ': worked out before, reused') -%}
    {%- endif -%}
    {{ return(cache[cache_key]) }}
{%- endmacro %}


{#- The days on which an incremental model holds another number of rows than
    its upstream gives now: a source that left the sources file (its calls
    left the landing zone) or came back (its old loads are there again), with
    no newer _loaded_at to show it. target_count: how many upstream rows one
    row of the model stands for (1, or e.g. `requests`); upstream_where: the
    upstream rows the model counts; upstream_count: how many rows one upstream
    row stands for (1, or `requests` for a mart read from daily_usage). -#}
{% macro days_out_of_step(
    upstream, upstream_day, target_day, target_count='1', upstream_where='true',
    upstream_count='1'
) -%}
    select coalesce(upstream_days.day, target_days.day) as nightly_day
    from (
        select
            {{ upstream_day }} as day,
            sum({{ upstream_count }}) as n
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
    from: every row on a full build; in a nightly, the rows of the days
    daily_mart_days() gives (every day again, for a mart with costs, when the
    price data changed: no frozen costs). -#}
{% macro generations_on_nightly_days() -%}
    select * from {{ ref('generations') }}
    {{ daily_mart_day_filter('started_on') }}
{%- endmacro %}


{#- The first column of `query`'s rows, dates, as ISO strings. -#}
{% macro query_days(query) -%}
    {%- set days = [] -%}
    {%- for d in run_query(query).columns[0].values() -%}
        {%- do days.append(d | string) -%}
    {%- endfor -%}
    {{ return(days) }}
{%- endmacro %}


{#- The sources landed now (a directory listing: parked sources are not). -#}
{% macro landed_call_sources() -%}
    {{ return(adapter.dispatch('landed_call_sources', 'llm_usage_warehouse')()) }}
{%- endmacro %}


{#- Spark SQL cannot list files: the sources of the landed call rows, as
    staging.stg_landing__call_loads (a table every Spark build rebuilds from
    the landed files) counts them. -#}
{% macro spark__landed_call_sources() -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set query -%}
        select distinct source_name from {{ ref('stg_landing__call_loads') }}
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}


{% macro default__landed_call_sources() -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set query -%}
        select distinct string_split(file, '/')[-3] as source_name
        from glob('{{ landing_root() }}/*/*/*/*.parquet')
        where not starts_with(string_split(file, '/')[-3], '_')
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}


{#- The generations rows that meet `condition`, as a relation for the macros
    above (upstream). -#}
{% macro generations_where(condition, alias='counted_generations') -%}
    (
        select * from {{ ref('generations') }}
        where {{ condition }}
    ) as {{ alias }}
{%- endmacro %}


{#- The generations rows of one source system (upstream). -#}
{% macro generations_of_system(system) -%}
    {{ generations_where(
        "source_system = '" ~ system ~ "'", system ~ '_generations'
    ) }}
{%- endmacro %}


{#- The days a daily mart (day column usage_date, newest loaded_at of its rows
    in last_loaded_at) rebuilds in a nightly build: rebuilt_days, with what the
    mart counts from its model's meta `nightly_days`: `upstream` generations
    (default) or daily_usage; `target_count` (default requests) the upstream
    rows one row stands for; `counted` the upstream rows it counts; `costs`
    (default false). -#}
{% macro daily_mart_days() -%}
    {%- set spec = (config.get('meta') or {}).get('nightly_days') or {} -%}
    {%- if spec.get('upstream') == 'daily_usage' -%}
        {%- set upstream, day, loaded_at, upstream_count = (
            ref('daily_usage'), 'usage_date', 'last_loaded_at', 'requests'
        ) -%}
    {%- else -%}
        {%- set upstream, day, loaded_at, upstream_count = (
            ref('generations'), 'started_on', 'loaded_at', '1'
        ) -%}
    {%- endif -%}
    {{ return(rebuilt_days(
        upstream, day, 'usage_date',
        upstream_loaded_at=loaded_at, target_loaded_at='last_loaded_at',
        costs=spec.get('costs', false),
        target_count=spec.get('target_count', 'requests'),
        upstream_where=spec.get('counted', 'true'),
        upstream_count=upstream_count
    )) }}
{%- endmacro %}


{#- The filter of a daily mart's select on its upstream's day column: every
    day on a full build, in a nightly the days of daily_mart_days(). -#}
{% macro daily_mart_day_filter(upstream_day) -%}
    {%- if is_incremental() and execute -%}
        {%- set days = daily_mart_days() -%}
        {%- if days is none -%}
            -- new price data: every day again (no frozen costs)
        {%- elif days -%}
            where {{ upstream_day }} in ({{ date_list(days) }})
        {%- else -%}
            where false
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook of a mart incremental by day: delete the days its nightly build
    rebuilds (`days`, ISO dates, worked out as its select works them out; none:
    every day, the price data changed), so a day whose rows are all gone does
    not linger: a delete+insert replaces only the days that still produce rows
    (a call that moved to another day, the last successful timed call of a day
    landed again as failed, a source that left). Call it only when
    is_incremental() and execute. -#}
{% macro delete_days(day_column, days) -%}
    {{ return(adapter.dispatch('delete_days', 'llm_usage_warehouse')(day_column, days)) }}
{%- endmacro %}


{% macro default__delete_days(day_column, days) -%}
    {%- if days is none -%}
        delete from {{ this }}
    {%- elif days -%}
        delete from {{ this }}
        where {{ day_column }} in ({{ date_list(days) }})
    {%- endif -%}
{%- endmacro %}


{#- Spark: a Parquet table has no row delete, but the marts are partitioned by
    their day: the days are dropped as partitions. -#}
{% macro spark__delete_days(day_column, days) -%}
    {%- if days is none -%}
        truncate table {{ this }}
    {%- elif days -%}
        alter table {{ this }} drop if exists
        {%- for d in days %}
            partition ({{ day_column }} = '{{ d }}'){{ ',' if not loop.last }}
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook of a daily mart (usage_date): delete_days of daily_mart_days. -#}
{% macro delete_daily_mart_days() -%}
    {%- if is_incremental() and execute -%}
        {{ delete_days('usage_date', daily_mart_days()) }}
    {%- endif -%}
{%- endmacro %}


{#- A filter on the instant `ts` to the days `days` (ISO dates, sorted): a
    range first, which zone maps on `ts` can answer, then the days themselves
    (`day`: a column holding the UTC day of `ts`, else computed). -#}
{% macro day_filter(ts, days, day=none) -%}
    {{ ts }} >= {{ timestamptz_literal(days[0] ~ ' 00:00:00+00') }}
    and {{ ts }} < {{ timestamptz_literal(days[-1] ~ ' 00:00:00+00') }}
    + interval 1 day
    and {{ day or utc_date(ts) }} in ({{ date_list(days) }})
{%- endmacro %}


{#- The days marts.generations rebuilds (rebuilt_days over its upstream):
    one place for its pre-hook and its select. -#}
{% macro generations_days() -%}
    {{ return(rebuilt_days(
        ref('int_generations_priced'), 'started_date', 'started_on',
        key='generation_id', costs=true, out_of_step='sources_changed'
    )) }}
{%- endmacro %}


{#- The days marts.feed_outputs rebuilds (rebuilt_days over the
    instagram_feed rows of generations): one place for its pre-hook and its
    select. -#}
{% macro feed_outputs_days() -%}
    {{ return(rebuilt_days(
        generations_of_system('instagram_feed'), 'started_on', 'created_on',
        key='feed_output_id', upstream_key='generation_id', costs=true
    )) }}
{%- endmacro %}
