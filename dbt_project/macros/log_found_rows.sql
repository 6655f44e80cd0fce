{#- For a test that names what it finds: logs one line per row of `model`
    (SQL `message`, filtered by `where`), so that the summary of
    `python -m warehouse build` and the nightly repeats them by name. Only when the
    test runs and the model exists. -#}
{% macro log_found_rows(model, message, where='true') -%}
    {%- if execute and flags.WHICH in ('build', 'test') -%}
        {%- set relation = adapter.get_relation(
            database=ref(model).database,
            schema=ref(model).schema,
            identifier=ref(model).identifier,
        ) -%}
        {%- if relation is not none -%}
            {%- set found = run_query(
                "select " ~ message ~ " from " ~ relation
                ~ " where " ~ where ~ " order by 1"
            ) -%}
            {%- for row in found.rows -%}
                {{- log(row[0], info=True) -}}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
