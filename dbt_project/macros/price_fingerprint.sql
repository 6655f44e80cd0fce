{#- A hash of the price data in force (the list prices, their long-context
    tiers and the overrides).
    Cost-bearing incremental marts store it; when it differs from the one they
    were built with, they rebuild every day, so a price fix or a changed
    override reaches past calls (no frozen costs). -#}
{% macro price_fingerprint() -%}
    {{ return(adapter.dispatch('price_fingerprint', 'llm_usage_warehouse')()) }}
{%- endmacro %}


{#- The price seeds, in the order their rows enter the hash. -#}
{% macro price_seeds() -%}
    {{ return(['model_prices', 'model_price_overrides', 'model_price_tiers']) }}
{%- endmacro %}


{#- Spark: a row as JSON text (a table alias is no value there); a hash that
    only this engine's builds compare. -#}
{% macro spark__price_fingerprint() -%}
    (
        select
            md5(
                {%- for seed in price_seeds() %}
                {{ "|| '#' || " if not loop.first }}coalesce(
                    (
                        select
                            concat_ws(
                                '|', sort_array(collect_list(to_json(struct(*))))
                            )
                        from {{ ref(seed) }}
                    ),
                    ''
                )
                {%- endfor %}
            )
    )
{%- endmacro %}


{#- DuckDB: each row as text (the cast of the row), sorted, joined. -#}
{% macro default__price_fingerprint() -%}
    (
        select
            md5(
                {%- for seed in price_seeds() %}
                {{ "|| '#' || " if not loop.first }}coalesce(
                    (
                        select
                            string_agg(
                                cast(seed_row as varchar), '|'
                                order by cast(seed_row as varchar)
                            )
                        from {{ ref(seed) }} as seed_row
                    ),
                    ''
                )
                {%- endfor %}
            )
    )
{%- endmacro %}


{#- True when the mart was built with other price data than is in force now. -#}
{% macro prices_changed(fingerprint_column='price_fingerprint') -%}
    {{ price_fingerprint() }} is distinct from (
        select max({{ fingerprint_column }}) from {{ this }}
    )
{%- endmacro %}
