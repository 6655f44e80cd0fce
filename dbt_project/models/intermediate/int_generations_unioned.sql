{{ config(materialized='view') }}
-- A view: only a union of the six tables below; tables above read it once.
-- Every source system's calls in one shape. Adding a system: add its
-- int_<system>__generations model to this list.
{%- set systems = [
    'ai_process_log', 'trip_planner', 'text2sql', 'instagram_feed', 'ml_gateway',
    'otel_genai'
] %}

with

{% for system in systems %}
    {{ system }}_generations as (

        select * from {{ ref('int_' ~ system ~ '__generations') }}

    ),

{% endfor %}
unioned as (

    {% for system in systems %}
        select * from {{ system }}_generations
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
