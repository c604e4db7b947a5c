"""The request page's CSS strings (footer and marking) cannot be ended by what goes in them."""

from __future__ import annotations

from repatria.drafting.html import css_string_body


def test_nothing_in_the_text_can_end_the_css_string_or_the_style_element() -> None:
    # \r and \f end a CSS string too (CSS Syntax 3 §4.3.5); stripping only " \ < > \n let
    # them through (found while justifying bandit B704, R23).
    hostile = 'REF-1 "\r}body{color:red}\f\\</style><script>x</script>\n\x00\u202e'
    body = css_string_body(hostile)
    assert not set(body) & set('"\r\f\n<>\x00\u202e'), body
    assert body.startswith("REF-1 \\22 \\d \\7d body\\7b color:red\\7d ")


def test_letters_of_any_script_stay_readable() -> None:
    assert css_string_body("ДЕЛО 12 · قضية") == "ДЕЛО 12 \\b7  قضية"
