{#- A caption reduced to its words: hashtags left out, every run of characters
    that are not letters or digits (spaces, punctuation, emoji) made one space,
    lower case, trimmed. Posts whose captions differ only in styling share it. -#}
{% macro normalized_caption(text) -%}
    trim(lower({{ regexp_replace_all(
        regexp_replace_all(text, '#\S+', ' '),
        '[^\p{L}\p{N}]+', ' '
    ) }}))
{%- endmacro %}


{#- md5 of the normalized caption; NULL when nothing is left of it. -#}
{% macro caption_fingerprint(text) -%}
    md5(nullif({{ normalized_caption(text) }}, ''))
{%- endmacro %}
