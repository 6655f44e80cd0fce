{#- Rows of the newest load of each source key, with _key_rank: 1 for the row kept,
    2.. for further rows with the same key in that same load (bad input: set aside as
    duplicate_key). Rows of older loads are superseded versions, not errors. -#}
{% macro newest_load_rows(relation, key_columns) -%}
    select *
    from (
        select
            *,
            {{ row_key(key_columns) }} as row_key,
            cast(row_number() over (
                partition by _source_name, {{ key_columns | join(', ') }}
                order by _loaded_at desc, _load_id desc, file_row_number
            ) as bigint) as _key_rank,
            max(_load_id) over (
                partition by _source_name, {{ key_columns | join(', ') }}
            ) as _newest_load_id
        from {{ relation }}
    ) as ranked
    where _load_id = _newest_load_id
{%- endmacro %}


{#- The set-aside checks (docs/warehouse.md, "Bad input") for a row that
    records one LLM call, in order: the first
    that fails names the rule. -#}
{% macro _call_checks(key, ts, tokens=[], latency=none) -%}
    {%- set checks = [
        ('missing_key', key ~ ' is null', "'NULL'"),
        ('unreadable_value', 'unreadable_values is not null',
         'unreadable_values'),
        ('missing_timestamp', ts ~ ' is null', "'NULL'"),
        ('timestamp_before_2020',
         ts ~ ' < ' ~ timestamptz_literal('2020-01-01 00:00:00+00'),
         as_text(ts)),
        ('timestamp_in_future',
         ts ~ ' > current_timestamp + interval 1 day',
         as_text(ts)),
    ] -%}
    {%- for col in tokens -%}
        {%- do checks.append(('negative_tokens', col ~ ' < 0',
                              "'" ~ col ~ "=' || " ~ col)) -%}
        {%- do checks.append(('absurd_tokens', col ~ ' > 10000000',
                              "'" ~ col ~ "=' || " ~ col)) -%}
    {%- endfor -%}
    {%- if latency -%}
        {%- do checks.append(('negative_latency', latency ~ ' < 0',
                              as_text(latency))) -%}
        {%- do checks.append(('absurd_latency', latency ~ ' > 86400000',
                              as_text(latency))) -%}
    {%- endif -%}
    {%- do checks.append(('duplicate_key', 'duplicate_rank > 1',
                          as_text(key))) -%}
    {{ return(checks) }}
{%- endmacro %}


{% macro call_quarantine_rule(key, ts, tokens=[], latency=none) -%}
    case
        {%- for rule, condition, _value in _call_checks(key, ts, tokens, latency) %}
            when {{ condition }} then '{{ rule }}'
        {%- endfor %}
    end
{%- endmacro %}


{% macro call_offending_value(key, ts, tokens=[], latency=none) -%}
    case
        {%- for _rule, condition, value in _call_checks(key, ts, tokens, latency) %}
            when {{ condition }} then {{ value }}
        {%- endfor %}
    end
{%- endmacro %}
