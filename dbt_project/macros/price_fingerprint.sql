{#- A hash of the price data in force (the list prices, their long-context
    tiers and the overrides).
    Cost-bearing incremental marts store it; when it differs from the one they
    were built with, they rebuild every day, so a price fix or a changed
    override reaches past calls (no frozen costs). -#}
{% macro price_fingerprint() -%}
    {{ return(adapter.dispatch('price_fingerprint', 'llm_usage_warehouse')()) }}
{%- endmacro %}


{#- Spark: a row as JSON text (a table alias is no value there); a hash that
    only this engine's builds compare. -#}
{% macro spark__price_fingerprint() -%}
    (
        select
            md5(
                coalesce(
                    (
                        select
                            concat_ws(
                                '|', sort_array(collect_list(to_json(struct(*))))
                            )
                        from {{ ref('model_prices') }}
                    ),
                    ''
                )
                || '#'
                || coalesce(
                    (
                        select
                            concat_ws(
                                '|', sort_array(collect_list(to_json(struct(*))))
                            )
                        from {{ ref('model_price_overrides') }}
                    ),
                    ''
                )
                || '#'
                || coalesce(
                    (
                        select
                            concat_ws(
                                '|', sort_array(collect_list(to_json(struct(*))))
                            )
                        from {{ ref('model_price_tiers') }}
                    ),
                    ''
                )
            )
    )
{%- endmacro %}


{% macro default__price_fingerprint() -%}
    (
        select
            md5(
                coalesce(
                    (
                        select
                            string_agg(
                                cast(p as varchar), '|'
                                order by cast(p as varchar)
                            )
                        from {{ ref('model_prices') }} as p
                    ),
                    ''
                )
                || '#'
                || coalesce(
                    (
                        select
                            string_agg(
                                cast(o as varchar), '|'
                                order by cast(o as varchar)
                            )
                        from {{ ref('model_price_overrides') }} as o
                    ),
                    ''
                )
                || '#'
                || coalesce(
                    (
                        select
                            string_agg(
                                cast(t as varchar), '|'
                                order by cast(t as varchar)
                            )
                        from {{ ref('model_price_tiers') }} as t
                    ),
                    ''
                )
            )
    )
{%- endmacro %}


{#- True when the mart was built with other price data than is in force now. -#}
{% macro prices_changed(fingerprint_column='price_fingerprint') -%}
    {{ price_fingerprint() }} is distinct from (
        select max({{ fingerprint_column }}) from {{ this }}
    )
{%- endmacro %}
