{#- Data tests at night on what changed (docs/nightly.md, "Tests at night").

    A model declares once, in its config, which of its rows a refresh rebuilt:

        meta: {nightly_tests: {loaded_at: <column>}}
            the rows loaded after the newest it held before the build
            (incremental staging: a refresh inserts only new loads' rows);
        meta: {nightly_tests: {loaded_at: <column>, day: <column>}}
            every row of the days that hold such a row, and of the look-back
            days (var lookback_days) before the newest day it held (the
            incremental marts: a refresh rebuilds whole days).

    Only when the build gets var nightly_tests (the nightly refresh passes it;
    a full build, `make build` and CI do not): the build's first step
    (on-run-start) records every such model's newest loaded_at and day as
    they were before the build, and every test of the model reads only its
    rows in scope. A key test (unique, unique_combination) reads every row
    whose key is a key of a row in scope, old rows included, so a new row
    colliding with an old one outside the rebuilt days still fails; a
    relationships test checks the rows in scope against the whole parent.
    Models without the config, and every model before its first build, are
    tested whole. -#}

{%- macro nightly_tests_enabled() -%}
    {{ return(var('nightly_tests', false) in (true, 'true', 'True', 1, '1')) }}
{%- endmacro %}


{%- macro nightly_watermarks_table() -%}
    {{ return(target.schema ~ '.nightly_test_watermarks') }}
{%- endmacro %}


{#- on-run-start: the scoped models' watermarks before the build (one row per
    model that exists), or nothing without var nightly_tests. -#}
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
                    "select '" ~ node.unique_id ~ "' as model_id, "
                    ~ "cast(max(" ~ scope.loaded_at ~ ") as varchar) as newest_loaded_at, "
                    ~ (("cast(max(" ~ scope.day ~ ") as varchar)") if scope.day else "null")
                    ~ " as newest_day from " ~ rel
                ) -%}
            {%- endif -%}
        {%- endfor -%}
        create or replace table {{ nightly_watermarks_table() }} as
        select
            cast(null as varchar) as model_id,
            cast(null as varchar) as newest_loaded_at,
            cast(null as varchar) as newest_day
        where false
        {%- for s in selects %}
        union all
        {{ s }}
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}


{#- The model node of `relation`, if it is a model of this project. -#}
{% macro nightly_tests_node(relation) -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model'
        and node.alias == relation.identifier
        and node.schema == relation.schema -%}
        {{ return(node) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{#- A predicate on the rows of `relation` a nightly test reads, or none for
    every row (no var nightly_tests, no scope declared, no watermark: a model
    built for the first time). Literal values, so that DuckDB skips the row
    groups out of scope by their min/max. -#}
{% macro nightly_test_predicate(relation) -%}
    {%- if not (execute and nightly_tests_enabled()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set node = nightly_tests_node(relation) -%}
    {%- set scope = (node.config.meta or {}).get('nightly_tests') if node else none -%}
    {%- if not scope -%}{{ return(none) }}{%- endif -%}
    {%- set mark = run_query(
        "select newest_loaded_at, newest_day from "
        ~ nightly_watermarks_table() ~ " where model_id = '" ~ node.unique_id ~ "'"
    ) -%}
    {%- if mark.rows | length == 0 or mark.rows[0][0] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set loaded = scope.loaded_at ~ " > '" ~ mark.rows[0][0] ~ "'" -%}
    {%- if not scope.day -%}{{ return(loaded) }}{%- endif -%}
    {%- set query -%}
        select distinct cast({{ scope.day }} as varchar)
        from {{ relation }}
        where {{ loaded }}
        {%- if mark.rows[0][1] is not none %}
            union
            select distinct cast({{ scope.day }} as varchar)
            from {{ relation }}
            where {{ scope.day }} >= cast('{{ mark.rows[0][1] }}' as date)
                - {{ var('lookback_days', 1) }}
        {%- endif %}
        order by 1
    {%- endset -%}
    {%- set days = run_query(query).columns[0].values() | list -%}
    {%- if not days -%}{{ return('false') }}{%- endif -%}
    {%- set quoted = [] -%}
    {%- for d in days -%}{%- do quoted.append("'" ~ d ~ "'") -%}{%- endfor -%}
    {{ return(
        scope.day ~ " between " ~ quoted[0] ~ " and " ~ quoted[-1]
        ~ " and " ~ scope.day ~ " in (" ~ quoted | join(', ') ~ ")"
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
        '(select tested.* from ' ~ tested ~ ' as tested semi join ('
        ~ 'select distinct ' ~ keys | join(', ') ~ ' from ' ~ tested
        ~ ' as scoped where ' ~ in_scope ~ ') as in_scope on '
        ~ on | join(' and ') ~ ') as dbt_subquery'
    ) }}
{%- endmacro %}
