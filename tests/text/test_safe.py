import pytest

from searchpod.text.safe import escape_html, safe_url, terminal_safe


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(2)//",
        " JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "//example.com/x",
        "http:///nohost",
        "https://exa\nmple.com/",
        "",
        None,
    ],
)
def test_only_web_urls_survive(url):
    assert safe_url(url) is None


def test_web_urls_are_kept_trimmed():
    assert safe_url("  https://example.com/ep?id=1#t=10 ") == "https://example.com/ep?id=1#t=10"
    assert safe_url("HTTP://Example.com/") == "HTTP://Example.com/"


def test_html_escaping_covers_attributes():
    assert escape_html('<img src=x onerror="alert(1)">') == (
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    )


def test_terminal_text_cannot_forge_lines_or_colours():
    shown = terminal_safe("ep1.vtt\nerror: forged\x1b[31m")
    assert "\n" not in shown and "\x1b" not in shown
    assert shown == "ep1.vtt\\nerror: forged\\x1b[31m"
