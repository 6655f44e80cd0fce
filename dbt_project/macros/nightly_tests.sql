{#- Data tests at night on what changed (docs/nightly.md, "Tests at night").

    A model declares once, in its config, which of its rows a refresh rebuilt:

        meta: {nightly_tests: {loaded_at: <column>}}
            the rows loaded after the newest it held before the build
            (incremental staging: a refresh inserts only new loads' rows);
        meta: {nightly_tests: {loaded_at: <column>, day: <column>}}
            every row of the days that hold such a row, and of the look-back
            days (var lookback_days) before the newest day it held (the
            incremental marts: a refresh rebuilds whole days).

    Only when the build runs with WAREHOUSE_NIGHTLY_TESTS=true (the nightly
    refresh sets it; a full build, `make build` and CI do not) or the var
    nightly_tests:
    1. the build's first step (on-run-start) records every such model's newest
       loaded_at and day as they were before the build (nightly_test_scope);
    2. a day-scoped model, once built, records its days in scope
       (nightly_test_days; a post-hook of every model, empty for the others);
    3. every test of the model reads only its rows in scope: one more small
       subquery in the test's SQL, no query while dbt compiles it. A key test
       (unique, unique_combination) reads every row whose key is a key of a
       row in scope, old rows included, so a new row colliding with an old one
       outside the rebuilt days still fails; a relationships test checks the
       rows in scope against the whole parent.
    Models without the config are tested whole, and so is a model built for
    the first time (no watermark: every row is in scope). The scope is what
    the build rebuilt: `dbt test` alone with the var tests next to nothing. -#}

{#- On with the environment variable WAREHOUSE_NIGHTLY_TESTS=true (what the
    nightly refresh sets) or the var nightly_tests. Read only when dbt executes,
    never while it parses: a value dbt sees while parsing (a var on the command
    line, an environment variable a parsed file reads) is part of what its
    partial parsing compares, and a nightly after a full build would parse the
    whole project again (4 s at every size). -#}
{%- macro nightly_tests_enabled() -%}
    {%- if not execute -%}{{ return(false) }}{%- endif -%}
    {{ return(
        (
            env_var('WAREHOUSE_NIGHTLY_TESTS', 'false') in ('true', '1')
            or var('nightly_tests', false) in (true, 'true', 'True', 1, '1')
        )
    ) }}
{%- endmacro %}


{#- on-run-start: the scoped models' watermarks before the build (one row per
    model that exists), and an empty table of days; nothing without the
    nightly tests. Each statement runs on its own (run_query: Spark's session
    takes one statement at a time), as a table dropped and created again
    (plain Parquet tables on Spark have no `create or replace`). The hook
    itself renders empty. -#}
{% macro record_nightly_test_watermarks() -%}
    {%- if execute and nightly_tests_enabled() -%}
        {%- set selects = [] -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model'
            and (node.config.meta or {}).get('nightly_tests') -%}
            {%- set scope = node.config.meta.nightly_tests -%}
            {%- set rel = adapter.get_relation(
                database=node.database, schema=node.schema,
                identifier=node.alias
            ) -%}
            {%- if rel is not none -%}
                {%- do selects.append(
                    "select '" ~ node.unique_id ~ "', "
                    ~ "cast(max(" ~ scope.loaded_at ~ ") as "
                    ~ timestamptz_type() ~ "), "
                    ~ (("cast(max(" ~ scope.day ~ ") as date)")
                       if scope.day else "cast(null as date)")
                    ~ " from " ~ rel
                ) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set scope_table = target.schema ~ '.nightly_test_scope' -%}
        {%- set days_table = target.schema ~ '.nightly_test_days' -%}
        {#- Spark's catalog has no schema of the target's own until one is made -#}
        {%- do run_query('create schema if not exists ' ~ target.schema) -%}
        {%- do run_query('drop table if exists ' ~ scope_table) -%}
        {%- set create_scope -%}
            create table {{ scope_table }} {{ scratch_table_format() }} as
            select
                cast(null as {{ string_type() }}) as model_id,
                cast(null as {{ timestamptz_type() }}) as newest_loaded_at,
                cast(null as date) as newest_day
            where false
            {%- for s in selects %}
                union all
                {{ s }}
            {%- endfor %}
        {%- endset -%}
        {%- do run_query(create_scope) -%}
        {%- do run_query('drop table if exists ' ~ days_table) -%}
        {%- do run_query(
            'create table ' ~ days_table ~ ' (model_id ' ~ string_type()
            ~ ', nightly_day date) ' ~ scratch_table_format()
        ) -%}
    {%- endif -%}
{%- endmacro %}


{#- The newest loaded_at or day (`column`) the model `model_id` held before
    the build: NULL when it held none (built for the first time). -#}
{% macro nightly_watermark(model_id, column) -%}
    (
        select {{ column }} from {{ target.schema }}.nightly_test_scope
        where model_id = '{{ model_id }}'
    )
{%- endmacro %}


{#- Post-hook of every model: a day-scoped model records its days in scope,
    those of its rows loaded after its watermark (every day when it has none)
    and its look-back days. -#}
{% macro record_nightly_test_days() -%}
    {%- set scope = (config.get('meta') or {}).get('nightly_tests') -%}
    {%- if execute and nightly_tests_enabled() and scope and scope.day -%}
        insert into {{ target.schema }}.nightly_test_days
        select distinct
            '{{ model.unique_id }}' as model_id,
            {{ scope.day }} as nightly_day
        from {{ this }}
        where
            coalesce(
                {{ scope.loaded_at }}
                > {{ nightly_watermark(model.unique_id, 'newest_loaded_at') }},
                true
            )
            or {{ scope.day }}
            >= {{ nightly_watermark(model.unique_id, 'newest_day') }}
            - {{ var('lookback_days', 1) }}
    {%- endif -%}
{%- endmacro %}


{#- The model node of `relation` among the test's dependencies, if it is a
    model of this project (looked up by id: the graph has ~600 nodes). -#}
{% macro nightly_tests_node(relation) -%}
    {%- for uid in model.depends_on.nodes if uid.startswith('model.') -%}
        {%- set node = graph.nodes.get(uid) -%}
        {%- if node and node.alias == relation.identifier
            and node.schema == relation.schema -%}
            {{ return(node) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{#- A predicate on the rows of `relation` a nightly test reads, or none for
    every row (no var nightly_tests, no scope declared). -#}
{% macro nightly_test_predicate(relation) -%}
    {%- if not (execute and nightly_tests_enabled()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set node = nightly_tests_node(relation) -%}
    {%- set scope = (node.config.meta or {}).get('nightly_tests') if node else none -%}
    {%- if not scope -%}{{ return(none) }}{%- endif -%}
    {%- if scope.day -%}
        {{ return(
            scope.day ~ " in (select nightly_day from " ~ target.schema
            ~ ".nightly_test_days where model_id = '" ~ node.unique_id ~ "')"
        ) }}
    {%- endif -%}
    {{ return(
        "coalesce(" ~ scope.loaded_at ~ " > "
        ~ nightly_watermark(node.unique_id, 'newest_loaded_at') ~ ", true)"
    ) }}
{%- endmacro %}


{#- dbt's macro for the relation a generic test reads (its `where` config),
    extended with the nightly scope. Singular tests call it on a ref to be
    scoped the same way. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set tested = relation -%}
    {%- if where -%}
        {%- set tested = '(select * from ' ~ relation ~ ' where ' ~ where ~ ')' -%}
    {%- endif -%}
    {%- set in_scope = nightly_test_predicate(relation) -%}
    {%- if in_scope is none -%}
        {{ return(tested ~ ' as dbt_subquery' if where else relation) }}
    {%- endif -%}
    {%- set test = model.get('test_metadata') or {} -%}
    {%- set kwargs = test.get('kwargs') or {} -%}
    {%- set keys = [] -%}
    {%- if test.get('name') == 'unique' -%}
        {%- do keys.append(kwargs.get('column_name') or model.get('column_name')) -%}
    {%- elif test.get('name') == 'unique_combination' -%}
        {%- do keys.extend(kwargs.get('combination_of_columns')) -%}
    {%- endif -%}
    {%- if not keys -%}
        {{ return('(select * from ' ~ tested ~ ' as scoped where '
            ~ in_scope ~ ') as dbt_subquery') }}
    {%- endif -%}
    {%- set on = [] -%}
    {%- for k in keys -%}
        {%- do on.append('tested.' ~ k ~ ' is not distinct from in_scope.' ~ k) -%}
    {%- endfor -%}
    {{ return(
        '(select tested.* from ' ~ tested ~ ' as tested ' ~ semi_join()
        ~ ' (select distinct ' ~ keys | join(', ') ~ ' from ' ~ tested
        ~ ' as scoped where ' ~ in_scope ~ ') as in_scope on '
        ~ on | join(' and ') ~ ') as dbt_subquery'
    ) }}
{%- endmacro %}
