with

source as (

    {{ latest_rows(source('ml_gateway', 'chat_logs'), ['id']) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        id as chat_log_key,

        ---------- strings
        model as model_raw,
        prompt,
        response,
        error as error_message,

        ---------- numerics
        cast(duration as double) as latency_ms,

        ---------- timestamps
        -- Prisma DateTime without zone: naive UTC unless the source says
        -- otherwise
        {{ to_utc('"createdAt"') }} as created_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
