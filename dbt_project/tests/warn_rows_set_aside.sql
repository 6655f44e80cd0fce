{{ config(severity='warn') }}
-- Warns (never fails) when landed call rows were set aside (docs/bad_input.md):
-- each is
-- in marts.quarantined_rows with its rule, and landing_accounting balances, but
-- a person should see how many and why. One row per row set aside; the counts
-- per source table and rule are also logged when the test runs (`python -m
-- ingest build` repeats them in its summary).
{%- if execute and flags.WHICH in ('build', 'test') %}
    {%- set relation = adapter.get_relation(
        database=ref('quarantined_rows').database,
        schema=ref('quarantined_rows').schema,
        identifier=ref('quarantined_rows').identifier,
    ) %}
    {%- if relation is not none %}
        {%- set found = run_query(
            "select source_name, source_table, sum(n), "
            ~ ordered_string_agg("rule || ' ' || n", "', '", 'rule')
            ~ " from (select source_name,"
            ~ " source_table, rule, count(*) as n from " ~ relation
            ~ " group by all) group by all order by all"
        ) %}
        {%- for row in found.rows %}
            {{- log(
                "WARNING rows set aside: " ~ row[2] ~ " of " ~ row[0] ~ "."
                ~ row[1] ~ " (" ~ row[3] ~ "; marts.quarantined_rows)",
                info=True,
            ) }}
        {%- endfor %}
    {%- endif %}
{%- endif %}
select
    quarantined_row_id,
    source_name,
    source_table,
    rule
from {{ ref('quarantined_rows') }}
