{{ incremental_whole_table('text2sql', 'users') }}

with

source as (

    {{ latest_rows(replaced_landing('text2sql', 'users'), ['id']) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        id as user_key,

        ---------- strings
        full_name,
        -- keyed HMAC of the email: joins work, the address never lands
        email_hmac,
        company,
        role as user_role,

        ---------- numerics
        token_usage as reported_token_usage,

        ---------- booleans
        is_active,

        ---------- timestamps
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('last_login') }} as last_login_at,
        _loaded_at as loaded_at,
        _load_id as load_id

    from source

)

select * from renamed
