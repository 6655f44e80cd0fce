{#- The rows of a landed source table, one per source key: the newest load wins.
    Loads overlap when an incremental extract re-reads its look-back window, or when a
    crash left an older load beside a newer one. -#}
{% macro latest_rows(relation, key_columns) -%}
    select
        *,
        {{ row_key(key_columns) }} as row_key
    from {{ relation }}
    qualify row_number() over (
        partition by _source_name, {{ key_columns | join(', ') }}
        order by _loaded_at desc, _load_id desc
    ) = 1
{%- endmacro %}
