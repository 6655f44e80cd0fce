-- Every call with a session (a user) counts in exactly one session (user):
-- per source, the calls sessions and users sum equal the generations rows
-- that name one. sessions and users are rebuilt by key at night
-- (macros/rebuilt_keys.sql); a row left counting a call that moved away
-- shows here. Returns the sources that differ; `nightly --full-refresh`
-- rebuilds them.
{%- set marts = {'sessions': 'session_id', 'users': 'user_id'} %}
with

calls as (

    select
        source_name,
        {%- for mart, key in marts.items() %}
            count({{ key }}) as {{ mart }}_calls{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('generations') }}
    group by source_name

),

{% for mart in marts %}
    {{ mart }}_counted as (

        select
            source_name,
            sum(generations) as counted
        from {{ ref(mart) }}
        group by source_name

    ),

{% endfor %}
differences as (

    {% for mart in marts %}
        select
            coalesce(calls.source_name, counted.source_name) as source_name,
            '{{ mart }}' as mart,
            coalesce(calls.{{ mart }}_calls, 0) as calls,
            coalesce(counted.counted, 0) as counted
        from calls
        full outer join {{ mart }}_counted as counted
            on calls.source_name = counted.source_name
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from differences
where calls != counted
