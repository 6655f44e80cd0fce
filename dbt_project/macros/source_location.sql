{#- Where a landed table's Parquet files are, for sources' external_location. -#}
{% macro landing_glob(system) -%}
    {{ env_var('WAREHOUSE_DATA_DIR', '../data') }}/landing/{{ system }}/*/{name}/*.parquet
{%- endmacro %}
