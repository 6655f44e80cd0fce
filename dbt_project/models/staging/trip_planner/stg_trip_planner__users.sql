{{ incremental_whole_table('trip_planner', 'users') }}

with

source as (

    {{ latest_rows(replaced_landing('trip_planner', 'users'), ['id']) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        cast(id as {{ string_type() }}) as user_key,

        ---------- strings
        username,
        -- keyed HMAC of the email: joins work, the address never lands
        email_hmac,

        ---------- timestamps
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        _loaded_at as loaded_at,
        _load_id as load_id

    from source

)

select * from renamed
