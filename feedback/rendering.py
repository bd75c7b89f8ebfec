"""Record text for labelers: markdown rendered with a safe preset, then sanitised.

markdown-it's "commonmark" preset passes raw HTML through, so HTML is switched off in
the parser and the output is cleaned with nh3 (no script, no event handlers, no
`javascript:` links) whatever the parser lets by.
"""

from __future__ import annotations

import textwrap
from typing import Any

import nh3
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
    "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}
# Code blocks and tables scroll sideways in their own box when too wide (site.css); a
# keyboard user scrolls them once they can take the focus (WCAG 2.1.1).
SCROLLABLE = {"pre": {"tabindex": "0"}, "table": {"tabindex": "0"}}


def markdown_html(text: str) -> SafeString:
    """Markdown to HTML that is safe to put in a page."""
    html = _markdown.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        set_tag_attribute_values=SCROLLABLE,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above


def plain_html(text: str) -> SafeString:
    """Plain text with its line breaks: escaped once, here, and marked safe so that the
    template does not escape the paragraphs again."""
    return mark_safe(linebreaks(text or "", autoescape=True))  # noqa: S308 - escaped by linebreaks


SNIPPET_CHARS = 160


def snippet(value: Any, width: int = SNIPPET_CHARS) -> str:
    """A field's text in one line of at most `width` characters for lists of records:
    white space collapsed, cut after a whole word with an ellipsis ("…"); a chat's
    messages read one after the other. A first word longer than `width` is cut inside."""
    if isinstance(value, list):
        value = " ".join(str(m.get("content", "")) if isinstance(m, dict) else str(m) for m in value)
    text = " ".join(str(value if value is not None else "").split())
    if len(text) <= width:
        return text
    short = textwrap.shorten(text, width=width, placeholder="…")
    if short == "…":
        return text[: width - 1] + "…"
    return short[:-1].rstrip(".,;:!?-") + "…"  # "budget.…" reads as "budget…"
