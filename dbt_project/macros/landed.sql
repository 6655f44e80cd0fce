{#- Incremental staging (docs/nightly.md): a staging model of a table that the
    ingest reads with a cursor keeps one row per source key and, on an
    incremental run, reads only the landed files of loads it has not processed:
    files are named <load_id>.parquet, and the newest load_id the model holds
    per source is its watermark. Old files are not opened at all, not even
    their footers: the list of new files comes from a directory listing. -#}

{%- macro landing_root() -%}
    {{ env_var('WAREHOUSE_DATA_DIR', '../data') }}/landing
{%- endmacro %}


{#- The landed rows of a source table: all of them on a full build (the
    source), only the unprocessed loads' files on an incremental one. -#}
{% macro landed(system, table) -%}
    {%- set relation = source(system, table) -%}
    {#- unit tests render a model with no `this` -#}
    {%- if execute and this is not none and is_incremental() -%}
        {%- set files = unprocessed_files(system, table) -%}
        read_parquet(
            [{{ files | join(', ') }}],
            union_by_name = true, file_row_number = true
        )
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}


{#- The load files of a landed table (a directory listing: no file is
    opened): file, source_name, load_id (the file's name). -#}
{% macro listed_load_files(system, table) -%}
    select
        file,
        string_split(file, '/')[-3] as source_name,
        parse_filename(file, true) as load_id
    from glob('{{ landing_root() }}/{{ system }}/*/{{ table }}/*.parquet')
{%- endmacro %}


{#- Quoted paths: the table's empty typed placeholder (so the list is never
    empty and has every landed column), then every file of a landed source
    whose load is newer than the newest this model holds for that source. -#}
{% macro unprocessed_files(system, table) -%}
    {%- set root = landing_root() ~ '/' ~ system -%}
    {%- set query -%}
        with

        landed as (

            {{ listed_load_files(system, table) }}

        ),

        processed as (

            select
                source_name,
                max(load_id) as newest_load_id
            from {{ this }}
            group by source_name

        )

        select landed.file
        from landed
        left join processed on landed.source_name = processed.source_name
        where
            not starts_with(landed.source_name, '_')
            and (
                processed.newest_load_id is null
                or landed.load_id > processed.newest_load_id
            )
        order by landed.file
    {%- endset -%}
    {%- set files = run_query(query).columns[0].values() -%}
    {%- set quoted = ["'" ~ root ~ "/_empty/" ~ table ~ "/empty.parquet'"] -%}
    {%- for f in files -%}
        {%- do quoted.append("'" ~ f | replace("'", "''") ~ "'") -%}
    {%- endfor -%}
    {{ return(quoted) }}
{%- endmacro %}


{#- Pre-hook of an incremental staging model: the rows of sources that are no
    longer landed (parked: docs/ingest.md) leave it. -#}
{% macro drop_unlanded_sources(system, table) -%}
    {%- if execute and this is not none and is_incremental() -%}
        delete from {{ this }}
        where source_name not in (
            select string_split(file, '/')[-3]
            from glob('{{ landing_root() }}/{{ system }}/*/{{ table }}/*.parquet')
        )
    {%- endif -%}
{%- endmacro %}


{#- One text per source key (NULL keys share one), the unique_key of an
    incremental staging model: a newer load's rows of a key replace all the
    rows the model holds for it (delete+insert). -#}
{% macro row_key(key_columns) -%}
    _source_name
    {%- for col in key_columns %}
        || ':' || coalesce(cast({{ col }} as {{ string_type() }}), '')
    {%- endfor %}
{%- endmacro %}


{#- The config of an incremental staging model (nightly tests: the rows of
    the loads it read, macros/nightly_tests.sql). On Spark a table, rebuilt
    from every landed file on each build (plain Parquet tables have no
    row-level delete+insert; docs/spark.md). -#}
{% macro incremental_staging(system, table) -%}
    {%- if target.type == 'spark' -%}
        {{ config(materialized='table') }}
    {%- else -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='row_key',
        on_schema_change='append_new_columns',
        pre_hook="{{ drop_unlanded_sources('" ~ system ~ "', '" ~ table ~ "') }}",
        meta={'nightly_tests': {'loaded_at': 'loaded_at'}},
    ) }}
    {%- endif -%}
{%- endmacro %}


{#- The load files of a landed table, per source, against the loads a model
    holds (docs/nightly.md): a directory listing, no file opened. Returns
    {'files': quoted paths to read (the table's empty typed placeholder
    first), 'kept': the sources whose held rows stay}. A source is kept when
    every load it holds is still listed and, with `whole_table` (the small
    tables the ingest re-reads whole: one file per source, replaced when the
    table changed), every listed load is one it holds; without it, when no
    listed load it does not hold is older than its newest held one. A kept
    source's unheld loads are read (none, for a small table); every other
    listed source is read whole, its held rows replaced (parked sources,
    replaced files, a full-refresh extract, loads out of order). `held`: a
    query of (source_name, load_id) over the model's rows; NULL when the
    model holds none that can be compared (its first run, or a table built
    before it had a load_id). -#}
{% macro landed_load_plan(system, table, held=none, whole_table=false) -%}
    {%- set root = landing_root() ~ '/' ~ system -%}
    {%- set query -%}
        with

        listed as (

            {{ listed_load_files(system, table) }}
            where not starts_with(source_name, '_')

        ),

        held as (

            {%- if held is none %}
                select
                    null::varchar as source_name,
                    null::varchar as load_id
                where false
            {%- else %}
                select distinct
                    source_name,
                    load_id
                from ({{ held }}) as held_loads
            {%- endif %}

        ),

        newest_held as (

            select
                source_name,
                max(load_id) as load_id
            from held
            group by source_name

        ),

        not_kept as (

            -- a held load no longer listed
            select held.source_name
            from held
            anti join listed
                on
                    held.source_name = listed.source_name
                    and held.load_id = listed.load_id
            union
            -- a source with listed loads and nothing held
            select listed.source_name
            from listed
            anti join newest_held
                on listed.source_name = newest_held.source_name
            union
            select listed.source_name
            from listed
            inner join newest_held
                on listed.source_name = newest_held.source_name
            anti join held
                on
                    listed.source_name = held.source_name
                    and listed.load_id = held.load_id
            {%- if whole_table %}
                -- a newer (or any other) file than the one held
            {%- else %}
                -- an unheld load older than the newest held one
                where listed.load_id < newest_held.load_id
            {%- endif %}

        )

        select
            'kept' as kind,
            source_name as value
        from newest_held
        where source_name not in (select source_name from not_kept)
        union all
        select
            'file' as kind,
            listed.file as value
        from listed
        where
            listed.source_name in (select source_name from not_kept)
            or not exists (
                select 1 from held
                where
                    held.source_name = listed.source_name
                    and held.load_id = listed.load_id
            )
        order by kind, value
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- set plan = {
        'files': ["'" ~ root ~ "/_empty/" ~ table ~ "/empty.parquet'"],
        'kept': [],
    } -%}
    {%- for row in rows -%}
        {%- if row[0] == 'file' -%}
            {%- do plan['files'].append("'" ~ row[1] | replace("'", "''") ~ "'") -%}
        {%- else -%}
            {%- do plan['kept'].append(row[1]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(plan) }}
{%- endmacro %}


{#- The files of a plan as a relation. -#}
{% macro read_landed_files(files) -%}
    read_parquet(
        [{{ files | join(', ') }}],
        union_by_name = true, file_row_number = true
    )
{%- endmacro %}


{#- SQL condition: source_name is none of `kept` (true for every row when
    `kept` is empty). -#}
{% macro not_kept(kept) -%}
    {%- if kept -%}
        source_name not in (
            {%- for name in kept -%}
                '{{ name | replace("'", "''") }}'{{ ', ' if not loop.last }}
            {%- endfor -%}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- A small table the ingest re-reads whole (users, price tables,
    chat_session): on an incremental run, only the files of sources whose file
    changed since the model's build (a newer load replaced it), read whole;
    the pre-hook below removes every row of a source that is not kept, so a
    row deleted at the source leaves with the file that no longer has it. -#}
{% macro replaced_landing(system, table) -%}
    {%- if execute and this is not none and is_incremental() -%}
        {{ read_landed_files(whole_table_plan(system, table)['files']) }}
    {%- else -%}
        {{ source(system, table) }}
    {%- endif -%}
{%- endmacro %}


{% macro whole_table_plan(system, table) -%}
    {%- set columns = adapter.get_columns_in_relation(this)
        | map(attribute='name') | list -%}
    {%- set held = none -%}
    {%- if 'load_id' in columns -%}
        {%- set held = 'select source_name, load_id from ' ~ this -%}
    {%- endif -%}
    {{ return(landed_load_plan(system, table, held, whole_table=true)) }}
{%- endmacro %}


{#- Pre-hook of a small-table model: the rows of every source not kept
    leave (a changed file is read whole again; a parked source's rows go). -#}
{% macro drop_replaced_sources(system, table) -%}
    {%- if execute and this is not none and is_incremental() -%}
        delete from {{ this }}
        where {{ not_kept(whole_table_plan(system, table)['kept']) }}
    {%- endif -%}
{%- endmacro %}


{#- The config of a small-table model: incremental, rows appended per
    replaced source after the pre-hook removed its old ones. On Spark a
    table, like incremental_staging. -#}
{% macro incremental_whole_table(system, table) -%}
    {%- if target.type == 'spark' -%}
        {{ config(materialized='table') }}
    {%- else -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        pre_hook="{{ drop_replaced_sources('" ~ system ~ "', '" ~ table ~ "') }}",
    ) }}
    {%- endif -%}
{%- endmacro %}


{#- stg_landing__call_key_versions' plan per system (landed_load_plan of its
    call table), from one query of the loads it holds; none on a full build. -#}
{% macro call_key_plans() -%}
    {%- if not (execute and this is not none and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set held = run_query(
        'select distinct source_system, source_table, source_name, load_id from '
        ~ this
    ).rows -%}
    {%- set plans = {} -%}
    {%- for system, facts in var('systems').items() -%}
        {%- set rows = [] -%}
        {%- for r in held -%}
            {%- if r[0] == system and r[1] == facts.call_table -%}
                {%- do rows.append(
                    "('" ~ r[2] | replace("'", "''") ~ "', '"
                    ~ r[3] | replace("'", "''") ~ "')") -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set query = 'select null::varchar as source_name, '
            ~ 'null::varchar as load_id where false' -%}
        {%- if rows -%}
            {%- set query = 'select * from (values ' ~ rows | join(', ')
                ~ ') as held_loads (source_name, load_id)' -%}
        {%- endif -%}
        {%- do plans.update({system: landed_load_plan(
            system, facts.call_table, query)}) -%}
    {%- endfor -%}
    {{ return(plans) }}
{%- endmacro %}


{#- The landed rows of a system's call table that stg_landing__call_key_versions
    has not counted (`plans`: call_key_plans()): all of them on a full build. -#}
{% macro new_call_loads(plans, system, table) -%}
    {%- if plans is not none -%}
        {{ read_landed_files(plans[system]['files']) }}
    {%- else -%}
        {{ source(system, table) }}
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook of stg_landing__call_key_versions: the versions of every source
    that is not kept leave (it is read whole again, or it is parked). -#}
{% macro drop_call_key_versions_to_reread() -%}
    {%- set plans = call_key_plans() -%}
    {%- if plans is not none -%}
        {%- for system, facts in var('systems').items() %}
            delete from {{ this }}
            where
                source_table = '{{ facts.call_table }}'
                and source_system = '{{ system }}'
                and {{ not_kept(plans[system]['kept']) }};
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}
