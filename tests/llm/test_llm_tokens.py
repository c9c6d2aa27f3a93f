"""Token counting: the offline approximate counter and pluggable counters."""

from __future__ import annotations

import pytest

from tether import hookimpl
from tether.errors import InvalidInputError
from tether.llm.tokens import (
    MESSAGE_OVERHEAD,
    approximate,
    count_tokens,
    get_token_counter,
    text_tokens,
    token_counters,
)


def test_about_four_characters_per_token():
    assert text_tokens("") == 0
    assert text_tokens("abcd") == 1
    assert text_tokens("abcde") == 2
    assert text_tokens("x" * 4000) == 1000


def test_non_ascii_text_counts_more_per_character():
    assert text_tokens("日本語のテキスト") > text_tokens("abcdefgh")


def test_each_message_costs_an_overhead():
    assert count_tokens([]) == 0
    assert count_tokens([{"role": "user", "content": ""}]) == MESSAGE_OVERHEAD
    assert count_tokens([{"role": "user", "content": None}] * 3) == 3 * MESSAGE_OVERHEAD


def test_content_parts_names_and_tool_calls_are_counted():
    plain = {"role": "user", "content": "hello world"}
    named = {**plain, "name": "alice_the_user"}
    assert count_tokens([named]) > count_tokens([plain])
    parts = {"role": "user", "content": [{"type": "text", "text": "hello world"}]}
    assert count_tokens([parts]) == count_tokens([plain])
    with_image = {"role": "user", "content": [*parts["content"], {"type": "image_url"}]}
    assert count_tokens([with_image]) > count_tokens([parts])
    call = {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    bare = {"role": "assistant", "content": None}
    assert count_tokens([{**bare, "tool_calls": [call]}]) > count_tokens([bare]) + 5
    result = {"role": "tool", "content": "42", "tool_call_id": "call_abcdefgh"}
    assert count_tokens([result]) > count_tokens([{"role": "tool", "content": "42"}])


def test_counter_is_additive():
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "a question?"},
        {"role": "assistant", "content": "an answer"},
    ]
    assert approximate(messages) == sum(approximate([m]) for m in messages)


def test_bad_input_is_refused():
    with pytest.raises(InvalidInputError):
        count_tokens("text")
    with pytest.raises(InvalidInputError, match=r"messages\[1\]"):
        count_tokens([{"role": "user", "content": "x"}, "y"])


def test_approximate_is_registered_and_default():
    sample = [{"role": "user", "content": "count these words, please"}]
    assert token_counters()["approximate"](sample) == approximate(sample) > 0
    assert get_token_counter()(sample) == approximate(sample)


def test_unknown_counter_lists_installed_ones():
    with pytest.raises(InvalidInputError, match="approximate"):
        count_tokens([], counter="nosuch")


def test_plugin_counter_by_name_and_function(fresh_plugins):
    class WordCounter:
        @hookimpl
        def register_token_counters(self, register):
            register("words", lambda messages: sum(len(m["content"].split()) for m in messages))

    fresh_plugins.register(WordCounter())
    messages = [{"role": "user", "content": "one two three"}]
    assert count_tokens(messages, counter="words") == 3
    assert count_tokens(messages, counter=lambda ms: 99) == 99
