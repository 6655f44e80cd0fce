{#- Why a call failed: one class per failed call, from the status codes and the
    message patterns its error message carries; NULL for a call that did not fail.
    The first rule that matches wins, in this order (docs/errors.md holds the
    same table, with examples):

      rate_limit      429, "rate limit", "too many requests", quota exceeded
      context_length  413, the prompt or context longer than the model takes
      authentication  401, 403, unauthorized, forbidden, invalid or missing API key
      timeout         408, 504, timed out / timeout, "did not respond", deadline
      server_error    500, 502, 503, 5xx, overloaded, unavailable, the provider
                      (or a local model server) refused or dropped the connection
      tool_error      the app's own tool failed: SQL errors ("no such table",
                      "syntax error", "ambiguous column"), a tool or function call
      bad_request     400, 404, 422, bad or invalid request, model not found
      other           a failed call whose message matches none of these, or
                      that has no message

    Patterns are case-insensitive regular expressions (RE2 on DuckDB, Java's on
    Spark: macro regexp_matches_ci); a status code counts only as a whole
    number ("429", not "14290" or "req_429a"). -#}
{% macro classify_error(status, message) -%}
    {%- set rules = [
        ('rate_limit',
         '(^|[^0-9A-Za-z_])429([^0-9A-Za-z_]|$)|rate[ _-]?limit|too many requests|quota'),
        ('context_length',
         '(^|[^0-9A-Za-z_])413([^0-9A-Za-z_]|$)|context[ _-]?(length|window)' ~
         '|maximum context|prompt is too long|too many tokens|token limit'),
        ('authentication',
         '(^|[^0-9A-Za-z_])(401|403)([^0-9A-Za-z_]|$)|unauthori[sz]ed|forbidden' ~
         '|authenticat|api[ _-]?key|permission[ _-]?denied'),
        ('timeout',
         '(^|[^0-9A-Za-z_])(408|504)([^0-9A-Za-z_]|$)|time[ _-]?d?[ _-]?out' ~
         '|did not respond|deadline exceeded'),
        ('server_error',
         '(^|[^0-9A-Za-z_])5[0-9][0-9]([^0-9A-Za-z_]|$)|server error|overloaded' ~
         '|unavailable|bad gateway|connect(ion)?[ _-]?(error|refused|reset)' ~
         '|connection (was )?(refused|reset|closed|aborted)'),
        ('tool_error',
         'no such (table|column|function)|syntax error|ambiguous column' ~
         '|sqlite|operationalerror|programmingerror|tool[ _-]?(call|error)' ~
         '|function[ _-]?call'),
        ('bad_request',
         '(^|[^0-9A-Za-z_])(400|404|422)([^0-9A-Za-z_]|$)|bad[ _-]?request' ~
         '|invalid[ _-]?request|unprocessable|model[^.]* not found')
    ] -%}
    case
        when coalesce({{ status }}, '') <> 'error' then null
        when {{ message }} is null then 'other'
        {%- for class, pattern in rules %}
        when {{ regexp_matches_ci(message, pattern) }} then '{{ class }}'
        {%- endfor %}
        else 'other'
    end
{%- endmacro %}
