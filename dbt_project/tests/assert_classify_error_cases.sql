-- The rules of macro classify_error (docs/errors.md), worked by hand: each row
-- is a status and message with the class a person reading the message gives it.
-- Returns the cases the macro classifies otherwise (none when it is right).
with

cases as (

    select * from (
        values
        ('success', null, null),
        ('success', '429 Too Many Requests', null),
        ('error', null, 'other'),
        ('error', '429 Too Many Requests', 'rate_limit'),
        (
            'error',
            'openai.RateLimitError: Error code: 429 - Rate limit reached for gpt-4o-mini',
            'rate_limit'
        ),
        ('error', 'You exceeded your current quota', 'rate_limit'),
        (
            'error',
            'Error code: 400 - This model''s maximum context length is 128000 tokens',
            'context_length'
        ),
        ('error', 'context_length_exceeded', 'context_length'),
        ('error', '413 Payload Too Large', 'context_length'),
        ('error', 'Error code: 401 - Incorrect API key provided', 'authentication'),
        ('error', '403 Forbidden', 'authentication'),
        ('error', 'upstream timeout after 30000ms', 'timeout'),
        ('error', 'ReadTimeout: Ollama did not respond in 60s', 'timeout'),
        ('error', 'openai.APITimeoutError: Request timed out.', 'timeout'),
        ('error', '504 Gateway Timeout', 'timeout'),
        ('error', '500 Internal Server Error', 'server_error'),
        ('error', 'Error code: 529 - Overloaded', 'server_error'),
        ('error', '503 Service Unavailable', 'server_error'),
        (
            'error',
            'httpx.ConnectError: [Errno 111] Connection refused (ollama at localhost:11434)',
            'server_error'
        ),
        ('error', 'no such column: revenue', 'tool_error'),
        ('error', 'no such table: members', 'tool_error'),
        ('error', 'near "GROUP": syntax error', 'tool_error'),
        ('error', 'ambiguous column name: id', 'tool_error'),
        ('error', 'Error code: 400 - Invalid request: messages is empty', 'bad_request'),
        ('error', 'Error code: 404 - The model gpt-5o does not exist', 'bad_request'),
        -- a number that only contains a status code is not one
        ('error', 'job 14290 failed', 'other'),
        ('error', 'request req_500a failed', 'other'),
        ('error', 'something went wrong', 'other')
    ) as t (status, error_message, expected)

),

classified as (

    select
        status,
        error_message,
        expected,
        {{ classify_error('status', 'error_message') }} as error_class
    from cases

)

select *
from classified
where error_class is distinct from expected
