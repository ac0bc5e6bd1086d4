"""Sanitise a statement's HTML (the LaTeX converter's output) before it leaves the server.

The converter's output is hostile input: it is whatever the package's TeX made of it.
nh3 (Ammonia) keeps a fixed set of tags; no scripts, styles, event handlers, ids or
links survive; a class survives only as a math placeholder the page draws with KaTeX
or as a tabular's rules and alignment (`tex-rules`, `rb-t` …, `al` …: tex_convert_child.py);
an image keeps its `src` only when `image` maps it to a file of the statement folder.
"""

from __future__ import annotations

from collections.abc import Callable

import nh3

_TAGS = {
    "p", "div", "span", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "b", "strong", "i", "em", "u", "s", "sub", "sup", "small", "code", "pre", "tt", "br",
    "hr", "blockquote", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    "figure", "figcaption", "img",
}  # fmt: skip
_ATTRIBUTES = {"img": {"src", "alt"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
_MATH_CLASSES = {"math", "math-inline", "math-display"}
_CELL_CLASSES = {"rb-t", "rb-b", "rb-l", "rb-r", "al", "ar", "ac"}
_CLASSES = {
    "span": _MATH_CLASSES,
    "div": _MATH_CLASSES,
    "table": {"tex-rules"},
    "td": _CELL_CLASSES,
    "th": _CELL_CLASSES,
}


def sanitize_statement_html(html: str, image: Callable[[str], str | None]) -> str:
    """`html` with only harmless markup left; `image(src)` is the path to keep, or None."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            return image(value)
        if attribute in ("colspan", "rowspan"):
            return value if value.isdigit() and 0 < int(value) <= 100 else None
        return value

    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object"},
        attributes=_ATTRIBUTES,
        attribute_filter=keep,
        allowed_classes=_CLASSES,
        url_schemes=set(),
        strip_comments=True,
        link_rel=None,
    )
