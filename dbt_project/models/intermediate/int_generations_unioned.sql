-- nightly tests (assert_every_model_pair_resolved): the rows of new loads
{{ config(
    materialized='view',
    meta={'nightly_tests': {'loaded_at': 'loaded_at'}},
) }}
-- A view: only a union of the systems' int_<system>__generations models;
-- tables above read it once. Every source system's calls in one shape. The
-- systems are the var `systems` (dbt_project.yml).
with

{% for system in var('systems') %}
    {{ system }}_generations as (

        select * from {{ ref('int_' ~ system ~ '__generations') }}

    ),

{% endfor %}
unioned as (

    {% for system in var('systems') %}
        select * from {{ system }}_generations
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
