"""Sanitising and de-junking of article HTML.

A whitelist walk over lxml's tree (libxml2's HTML parser, no network, no external entities, the
default depth limit of 256 kept): anything not known to be harmless and meaningful is unwrapped (its
text kept) or dropped. Junk that publishers glue to their items is removed by generic rules, never
by per-site ones: share widgets (by class/id keywords and by links to known share endpoints, with
their "Share:" labels), tracking pixels, empty links and blocks, hidden nodes, and blocks clearly
marked as related posts, newsletters, promos or ads.

The walk is iterative everywhere: hostile nesting cannot exhaust Python's recursion limit.
"""

from __future__ import annotations

import contextlib
import html as html_lib
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TypeAlias
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

import lxml.html
from lxml import etree

from newsterm.content._safe import residue, safe_text

Element: TypeAlias = lxml.html.HtmlElement


def tag_set(names: str) -> frozenset[str]:
    """A set of tag names written as one whitespace-separated string."""
    return frozenset(names.split())


# Private-use characters are reserved for the Markdown converter's placeholders; icon fonts are
# their only use in real feeds, and those show as tofu in a terminal anyway.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_ASCII = bytes(range(0x80))


def _without_private_use(text: str) -> str:
    """``text`` without private-use characters; a whole document is searched only in its
    non-ASCII residue."""
    if text.isascii() or not _PRIVATE_USE.search(residue(text, _ASCII)):
        return text
    return _PRIVATE_USE.sub("", text)


# Character references (&#27;, &#x9b;, &#xe000;) are decoded by the parser, after the input was
# cleaned.
_UNSAFE_IN_TREE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u202a-\u202e\u2060-\u2069\ufeff"
    "\ue000-\uf8ff\ufff9-\uffff\U000e0000-\U000e007f]"
)

# Removed with everything inside.
_DROP = tag_set(
    """script style noscript template head title meta link base frame frameset applet canvas map
    area dialog slot input button select option optgroup textarea datalist output progress
    meter label svg nav portal"""
)
# Parts of media elements, read when the media element is converted and removed anywhere else.
_MEDIA_PARTS = frozenset({"source", "track", "param"})
# Elements that embed other documents or media: turned into a labelled link, or dropped.
_EMBEDS = frozenset({"iframe", "embed", "object", "video", "audio"})
# Kept as they are (attributes filtered); every other tag is unwrapped, its content kept.
_KEEP = tag_set(
    """p div section article main header footer aside figure figcaption h1 h2 h3 h4 h5 h6 ul ol li
    dl dt dd blockquote pre table caption thead tbody tfoot tr th td hr br details summary address
    center hgroup a abbr b strong i em u s strike del ins mark small big sub sup code kbd samp tt
    var cite q dfn time
    span img ruby rt rp bdi"""
)
_ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan"}),
    "ol": frozenset({"start"}),
    "abbr": frozenset({"title"}),
    "table": frozenset({"role"}),
}
# Blocks removed when nothing visible is left in them.
_REMOVABLE_WHEN_EMPTY = tag_set(
    """p div section article main header footer aside figure figcaption h1 h2 h3 h4 h5 h6 ul ol li
    dl dt dd blockquote pre table caption thead tbody tfoot tr details summary address center hgroup
    a abbr b strong i em u s strike del ins mark small big sub sup code kbd samp tt var cite q dfn
    time span ruby
    bdi"""
)
# Elements that are content even without any text.
_CONTENT_WITHOUT_TEXT = frozenset({"img", "hr"})

# Keywords in class/id/role/data-* names that mark widgets which are not part of the article.
_JUNK_WORD = re.compile(
    r"^(?:share|shares|sharing|sharebar|sharebox|sharetools|sharethis|sharedaddy|shareaholic|addthis|"
    r"addtoany|a2a|social|socials|socialmedia|sociallinks|related|relatedposts|relatedarticles|"
    r"newsletter|newsletters|newslettersignup|selfpromo|promo|promos|promotion|promoted|advert|adverts|"
    r"advertisement|advertising|advertorial|ads|ad|adsense|adslot|adunit|adcontainer|adwrapper|dfp|"
    r"sponsor|sponsors|sponsored|outbrain|taboola|feedflare|subscribe|subscription|signup|"
    r"paywall|cookie|cookies|consent|gdpr|popup|modal|toolbar|breadcrumb|breadcrumbs|pagination|"
    r"navigation|navbar)$"
)
# Class names that describe what the whole post is about (WordPress tags/categories), not the
# widget.
_TAXONOMY_CLASS = re.compile(r"^(?:tag|tags|category|categories|topic|topics|post-tag|format)[-_]")
# data-* attributes whose value names the kind of block (data-component="promo",
# data-testid="share").
_DATA_KIND_NAMES = frozenset(
    {"component", "module", "widget", "block", "type", "testid", "qa", "element", "unit", "slot"}
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^A-Za-z0-9]+")

# What is left of a share widget once its links are gone: "Share:", "分享 :", "Partager"...
_SHARE_LABEL = re.compile(
    r"^(?:share|shares|sharing|share this|share on|share via|"
    r"share this (?:article|story|post|page)|share article|share the article|share story|"
    r"tweet|tweet this|email|e-mail|mail|print|copy|copy link|"
    r"link|links|facebook|twitter|x|whatsapp|linkedin|pinterest|reddit|telegram|line|tumblr|weibo|"
    r"messenger|flipboard|pocket|follow|follow us|like|save|bookmark|comments?|"
    r"partager|partagez|partager cet article|compartir|compartilhar|compartilhe|condividi|teilen|"
    r"artikel teilen|diesen artikel teilen|delen|dela|del|jaa|udostępnij|sdílet|megosztás|paylaş|"
    r"поделиться|поділитися|分享|分享到|分享至|分享此文|转发|轉發|微博|微信|共有|シェア|シェアする|공유|공유하기|"
    r"شارك|مشاركة|שתף|שיתוף|แชร์|chia sẻ|bagikan|kongsi|ibahagi)+$"
)
_LABEL_SEPARATORS = re.compile(r"[\s\W_]+", re.UNICODE)

_SHARE_SCHEMES = frozenset({"whatsapp", "fb-messenger", "tg", "viber", "line", "sms", "weixin"})
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# (host suffix, path prefix) of share and social-action endpoints.
_SHARE_ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("facebook.com", "/sharer"),
    ("facebook.com", "/share"),
    ("facebook.com", "/dialog/share"),
    ("facebook.com", "/dialog/feed"),
    ("facebook.com", "/dialog/send"),
    ("facebook.com", "/plugins/like"),
    ("facebook.com", "/plugins/share"),
    ("twitter.com", "/intent/"),
    ("twitter.com", "/share"),
    ("x.com", "/intent/"),
    ("x.com", "/share"),
    ("linkedin.com", "/sharearticle"),
    ("linkedin.com", "/sharing/"),
    ("linkedin.com", "/cws/share"),
    ("reddit.com", "/submit"),
    ("pinterest.com", "/pin/create"),
    ("tumblr.com", "/share"),
    ("tumblr.com", "/widgets/share"),
    ("t.me", "/share"),
    ("telegram.me", "/share"),
    ("whatsapp.com", "/send"),
    ("wa.me", "/"),
    ("line.me", "/r/msg"),
    ("line.me", "/share"),
    ("line.me", "/lineit/share"),
    ("line.me", "/social-plugin/share"),
    ("vk.com", "/share.php"),
    ("ok.ru", "/offer"),
    ("weibo.com", "/share"),
    ("qzone.qq.com", "/cgi-bin/qzshare"),
    ("plus.google.com", "/share"),
    ("digg.com", "/submit"),
    ("news.ycombinator.com", "/submitlink"),
    ("getpocket.com", "/save"),
    ("getpocket.com", "/edit"),
    ("flipboard.com", "/bookmarklet"),
    ("buffer.com", "/add"),
    ("bufferapp.com", "/add"),
    ("addtoany.com", "/"),
    ("addthis.com", "/"),
    ("sharethis.com", "/"),
    ("mix.com", "/add"),
    ("xing.com", "/spi/shares"),
    ("xing.com", "/social/share"),
)
_SHARE_PATHS: dict[str, tuple[str, ...]] = {}
for _host, _path in _SHARE_ENDPOINTS:
    _SHARE_PATHS[_host] = (*_SHARE_PATHS.get(_host, ()), _path)
# Feed proxies' tracking and ad paths (FeedBurner and its clones on publishers' own hosts).
_FEED_PROXY_PATH = re.compile(r"^/~(?:r|ff|a|at|f)/")
_TRACKER_HOSTS = (
    "doubleclick.net",
    "feedsportal.com",
    "stats.wordpress.com",
    "pixel.wp.com",
    "google-analytics.com",
    "googleadservices.com",
    "scorecardresearch.com",
    "quantserve.com",
    "pheedo.com",
    "feedblitz.com",
    "statcounter.com",
    "amazon-adsystem.com",
)
_TRACKER_FILE = re.compile(
    r"^(?:pixel|beacon|tracker|tracking|track|1x1|spacer|blank|clear|transparent|trans|counter|"
    r"open|b|t|p)\.(?:gif|png|jpe?g|php|aspx?)$|^(?:pixel|beacon|1x1)$"
)
_TRACKER_HOST_PREFIX = re.compile(
    r"^(?:pixel|pixels|beacon|beacons|tracking|track|stats|analytics)\."
)
_LAZY_SOURCES = (
    "data-src",
    "data-original",
    "data-lazy-src",
    "data-lazy",
    "data-url",
    "data-hi-res-src",
    "data-full-src",
    "data-orig-file",
)
_SRCSET_ATTRIBUTES = ("data-srcset", "srcset", "data-lazy-srcset")
_PLACEHOLDER_IMAGE = re.compile(
    r"(?:^data:|placeholder|blank\.gif|spacer\.gif|grey\.gif|loading\.gif)"
)
_CSS_HIDDEN = re.compile(
    r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!important)?\s*(?:;|$)"
)
_CSS_SIZE = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*(\d+(?:\.\d+)?)\s*px", re.IGNORECASE)

_VIDEO_HOSTS = (
    "youtube.com",
    "youtube-nocookie.com",
    "youtu.be",
    "vimeo.com",
    "dailymotion.com",
    "dai.ly",
    "twitch.tv",
    "ted.com",
    "streamable.com",
    "wistia.com",
    "wistia.net",
    "jwplayer.com",
    "jwplatform.com",
    "brightcove.net",
    "bilibili.com",
    "youku.com",
    "nicovideo.jp",
    "rutube.ru",
    "peertube",
    "facebook.com/plugins/video",
)
_AUDIO_HOSTS = (
    "soundcloud.com",
    "spotify.com",
    "bandcamp.com",
    "mixcloud.com",
    "anchor.fm",
    "podbean.com",
    "libsyn.com",
    "simplecast.com",
    "megaphone.fm",
    "buzzsprout.com",
    "audioboom.com",
    "podcasts.apple.com",
    "omny.fm",
    "transistor.fm",
)
_SOCIAL_PLUGIN_HOSTS = (
    "platform.twitter.com",
    "facebook.com/plugins",
    "plusone.google.com",
    "apis.google.com",
    "linkedin.com/embed",
)
_YOUTUBE_EMBED = re.compile(r"^/(?:embed|v)/([A-Za-z0-9_-]{6,})")
_VIMEO_EMBED = re.compile(r"^/video/(\d+)")

_BLOCK_FOR_TEXT = tag_set(
    """p div section article main header footer aside figure figcaption h1 h2 h3 h4 h5 h6 ul ol li
    dl dt dd blockquote pre table caption thead tbody tfoot tr th td hr br details summary address
    center
    hgroup"""
)
# MathML made only of these reads well as plain text ("12 859 588 608", "n", "x + 1").
_SIMPLE_MATH = frozenset(
    {
        "math",
        "semantics",
        "mrow",
        "mn",
        "mi",
        "mo",
        "mtext",
        "mspace",
        "annotation",
        "annotation-xml",
    }
)
_MATH_CLASS = re.compile(r"(?:^|[-_ ])(?:math|latex|tex|mwe-math)", re.IGNORECASE)


def clean_html(html: str, base_url: str = "") -> str:
    """Sanitise ``html`` and remove junk; return HTML whose links and images are absolute.

    Scripts, styles, frames, forms, comments, event handlers and every attribute outside a small
    whitelist are removed; only http, https and mailto links survive (other links become their
    text); embedded video and audio become labelled links; relative URLs are resolved against
    ``<base href>`` and ``base_url``.
    """
    body = clean_tree(html, base_url)
    parts = [html_lib.escape(body.text or "", quote=False)]
    parts.extend(lxml.html.tostring(child, encoding="unicode", method="html") for child in body)
    return "".join(parts)


def clean_tree(html: str, base_url: str = "") -> Element:
    """Parse, sanitise and de-junk ``html``; return the cleaned document's ``<body>``."""
    return clean_tree_keeping_proxies(html, base_url)[0]


def clean_tree_keeping_proxies(html: str, base_url: str = "") -> tuple[Element, list[Element]]:
    """:func:`clean_tree`, plus the parsed elements: hold on to them while walking the tree.

    lxml makes a Python proxy each time a walk reaches an element that has none alive (for
    lxml.html, through a Python class lookup); the cleaning and the conversion walk the tree
    a dozen times, and holding every proxy cut that work by about a twelfth.
    """
    root = parse_html(html)
    elements = list(root.iter())
    body = root.find("body")
    if body is None:
        body = lxml.html.Element("body")
        body.extend(list(root))
    base = _document_base(root, base_url)
    _Cleaner(body, base).run()
    return body, elements


_MAX_TAG_DEPTH = 200
"""libxml2 stops parsing HTML nested 256 deep and drops everything after that point (the
whole article, for 255 nested <div>s); start tags deeper than this are left out first."""
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)(?:\s[^>]*)?>")
_VOID = tag_set("area base br col embed hr img input link meta param source track wbr")
_IMPLIED_END = {
    "p": {"p"},
    "li": {"li"},
    "dt": {"dt", "dd"},
    "dd": {"dt", "dd"},
    "tr": {"tr", "td", "th"},
    "td": {"td", "th"},
    "th": {"td", "th"},
    "option": {"option"},
}
"""Start tags that end an open element of these names (so unclosed <li>s do not nest)."""


def _flatten_deep_nesting(text: str) -> str:
    """``text`` without the start and end tags nested deeper than ``_MAX_TAG_DEPTH``; their
    content stays, one level up. Nesting is followed roughly as a browser would: void
    elements, implied end tags, and end tags that close everything opened after them."""
    if text.count("<") <= _MAX_TAG_DEPTH:
        return text
    pieces: list[str] = []
    position = 0
    open_tags: list[str] = []
    dropped: dict[str, int] = {}
    for match in _TAG.finditer(text):
        closing, name = match.group(1), match.group(2).lower()
        if name in _VOID or match.group(0).endswith("/>"):
            continue
        if not closing:
            if open_tags and open_tags[-1] in _IMPLIED_END.get(name, ()):
                open_tags.pop()
            if len(open_tags) < _MAX_TAG_DEPTH:
                open_tags.append(name)
                continue
            dropped[name] = dropped.get(name, 0) + 1
        elif dropped.get(name):
            dropped[name] -= 1
        else:
            if name in open_tags:
                del open_tags[len(open_tags) - 1 - open_tags[::-1].index(name) :]
            continue
        pieces.append(text[position : match.start()])
        position = match.end()
    if not pieces:
        return text
    pieces.append(text[position:])
    return "".join(pieces)


def parse_html(html: str) -> Element:
    """Parse untrusted HTML safely into an lxml document (never raises on bad input)."""
    text = safe_text(_without_private_use(html))
    parser = lxml.html.HTMLParser(
        encoding="utf-8",
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
        default_doctype=False,
        collect_ids=False,
    )
    if text.strip():
        root = _parse(text, parser)
        # Flattening walks every tag in Python: only for documents nested (nearly) deep
        # enough for it to matter, which libxml2 reports or the tree shows.
        if root is None or _nested_too_deep(root, parser):
            flattened = _flatten_deep_nesting(text)
            if flattened is not text:
                root = _parse(flattened, parser)
        if root is not None:
            _unnest_void_elements(root)
            return root
    return lxml.html.document_fromstring(b"<html><body></body></html>", parser=parser)


def _parse(text: str, parser: lxml.html.HTMLParser) -> Element | None:
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError):
        return None


# An element this deep in the parsed tree (<html> and <body> included) may be one the
# flattening would have moved up.
_DEEP_ELEMENT = etree.XPath("boolean(/*" + "/*" * (_MAX_TAG_DEPTH - 2) + ")")


def _nested_too_deep(root: Element, parser: lxml.html.HTMLParser) -> bool:
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        return True
    return bool(_DEEP_ELEMENT(root))


_HTML5_VOID = ("embed", "source", "track", "wbr", "keygen")
"""Void in HTML5 but not in libxml2's HTML 4 parser, which makes everything after an
unclosed <embed> its child (so removing the embed removed the rest of the paragraph)."""


_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters libxml2's HTML parser lets in (from "&#1;") but lxml refuses to assign."""


def _xml_text(text: str | None) -> str:
    return _NOT_XML_TEXT.sub("", text) if text else ""


def _unnest_void_elements(root: Element) -> None:
    """Move what libxml2 nested inside HTML5 void elements back out, after them."""
    for element in list(root.iter(*_HTML5_VOID)):
        children = list(element)
        if not children and not element.text:
            continue
        tail = _xml_text(element.tail)
        element.tail = _xml_text(element.text) or None
        element.text = None
        anchor = element
        for child in children:
            anchor.addnext(child)  # the child's tail moves with it
            anchor = child
        anchor.tail = (_xml_text(anchor.tail) + tail) or None


def visible_text(element: Element) -> str:
    """The text a browser shows for ``element``: blocks and ``<br>`` separated by spaces."""
    return "".join(iter_text(element))


def iter_text(element: Element, *, skip: frozenset[str] = frozenset()) -> Iterator[str]:
    """Yield the text of ``element`` in order, a space at every block boundary (iteratively)."""
    stack: list[tuple[Element, bool]] = [(element, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else ""
        if closing:
            if tag in _BLOCK_FOR_TEXT:
                yield " "
            if node is not element and node.tail:
                yield node.tail
            continue
        if tag in skip:
            if node is not element and node.tail:
                yield node.tail
            continue
        if tag in _BLOCK_FOR_TEXT:
            yield " "
        if tag and node.text:
            yield node.text
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))


_TAG_LIKE = re.compile(r"</?[A-Za-z][^<>]*>")


def attribute_text(value: str) -> str:
    """Plain text of an attribute (alt, title): publishers sometimes put escaped HTML there."""
    if _TAG_LIKE.search(value):
        try:
            fragment = lxml.html.fragment_fromstring(value, create_parent="div")
            value = str(fragment.text_content())
        except (etree.ParserError, ValueError):
            value = _TAG_LIKE.sub(" ", value)
    return normalize_space(safe_text(_PRIVATE_USE.sub("", value)))


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace into single spaces and trim."""
    # str.split() splits at exactly what the regex \s matches (str.isspace), five times faster.
    return " ".join(text.split())


def _document_base(root: Element, base_url: str) -> str:
    base_element = root.find(".//base[@href]")
    if base_element is not None:
        joined = _join(base_url, base_element.get("href", ""))
        if joined and urlsplit(joined).scheme in ("http", "https"):
            return joined
    return base_url.strip()


_URL_CONTROLS = re.compile("[\x00-\x1f\x7f]")


def _join(base: str, url: str) -> str:
    """Resolve ``url`` against ``base``, dropping control characters and outer spaces first."""
    url = _URL_CONTROLS.sub("", url).strip()
    if not url:
        return ""
    try:
        if url.startswith("//") and not base:
            return "https:" + url
        return urljoin(base, url) if base else url
    except ValueError:
        return ""


def safe_url(base: str, url: str) -> str:
    """Absolute http(s)/mailto form of ``url``; ``""`` if unsafe or relative without a base."""
    return _safe_absolute_url(_join(base, url))


def _safe_absolute_url(absolute: str) -> str:
    """:func:`safe_url` of a URL already joined to its base by :func:`_join`."""
    if not absolute:
        return ""
    try:
        parts = urlsplit(absolute)
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme not in _SAFE_SCHEMES:
        return ""
    if scheme in ("http", "https") and not parts.hostname:
        return ""
    if scheme == "mailto" and len(absolute) <= len("mailto:"):
        return ""
    # Spaces and non-ASCII stay readable but must not split the URL when it is shown or opened.
    return safe_text(absolute).replace(" ", "%20")


def is_share_url(url: str) -> bool:
    """True for links whose only purpose is sharing the page (dialogs, intents, schemes)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme in _SHARE_SCHEMES:
        return True
    if scheme == "mailto":
        # A share-by-mail link has no recipient, only a prefilled subject or body.
        return not unquote(parts.path).strip() and bool(parts.query)
    if scheme not in ("http", "https", ""):
        return False
    host = (parts.hostname or "").lower()
    path = parts.path.lower() or "/"
    labels = host.split(".")
    for start in range(len(labels) - 1):
        prefixes = _SHARE_PATHS.get(".".join(labels[start:]))
        if prefixes and path.startswith(prefixes):
            return True
    if _FEED_PROXY_PATH.match(parts.path):
        return True
    # Unknown services follow one pattern: a share/submit/intent path given the page's URL as a
    # parameter.
    if any(word in path for word in ("share", "submit", "intent", "bookmark")):
        try:
            values = [value for _, value in parse_qsl(parts.query)]
        except ValueError:
            values = []
        if any(value.startswith(("http://", "https://")) for value in values):
            return True
    return False


def _is_tracking_image(image: Element, src: str) -> bool:
    width, height = _image_size(image)
    if (width is not None and width <= 1) and (height is None or height <= 1):
        return True
    if (height is not None and height <= 1) and width is None:
        return True
    if not src:
        return False
    try:
        parts = urlsplit(src)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if _FEED_PROXY_PATH.match(parts.path):
        return True
    if any(host == tracker or host.endswith("." + tracker) for tracker in _TRACKER_HOSTS):
        return True
    if _TRACKER_HOST_PREFIX.match(host):
        return True
    file_name = parts.path.rsplit("/", 1)[-1].lower()
    return bool(_TRACKER_FILE.match(file_name))


def _image_size(image: Element) -> tuple[float | None, float | None]:
    sizes: dict[str, float | None] = {"width": None, "height": None}
    for name in sizes:
        value = (image.get(name) or "").strip().lower().removesuffix("px")
        with contextlib.suppress(ValueError):
            sizes[name] = float(value)
    for name, value in _CSS_SIZE.findall(image.get("style") or ""):
        sizes[name.lower()] = float(value)
    return sizes["width"], sizes["height"]


def _image_source(image: Element) -> str:
    """The image's real URL: lazy-loading attributes, else ``src``, else a srcset entry."""
    src = (image.get("src") or "").strip()
    for name in _LAZY_SOURCES:
        value = (image.get(name) or "").strip()
        if value and not value.startswith("data:"):
            return value
    if src and not _PLACEHOLDER_IMAGE.search(src):
        return src
    for name in _SRCSET_ATTRIBUTES:
        candidates = [part.strip().split(" ")[0] for part in (image.get(name) or "").split(",")]
        candidates = [
            candidate for candidate in candidates if candidate and not candidate.startswith("data:")
        ]
        if candidates:
            return candidates[-1]
    return src


@lru_cache(maxsize=4096)
def _split_words(value: str) -> tuple[str, ...]:
    spaced = _CAMEL.sub(" ", value)
    words = [word.lower() for word in _NON_WORD.split(spaced) if word]
    joined = "".join(words)
    if len(words) > 1 and joined not in words:
        # Compound names ("relatedPosts", "share-bar") are checked whole as well.
        words.append(joined)
    return tuple(words)


def _has_junk_word(value: str) -> bool:
    match = _JUNK_WORD.match
    return any(match(word) for word in _split_words(value[:200]))


def _is_junk_marked(element: Element) -> bool:
    """True when a custom tag name, a class, id or role, or a data-* attribute names a widget.

    One pass over the attributes (most elements have none), returning at the first junk word.
    """
    tag = element.tag
    if "-" in tag and _has_junk_word(tag):
        return True
    for name, value in element.items():
        if name == "class":
            for class_name in value.split():
                if not _TAXONOMY_CLASS.match(class_name.lower()) and _has_junk_word(class_name):
                    return True
        elif name in ("id", "role"):
            if value and _has_junk_word(value):
                return True
        # data-share-url="https://..." on an article wrapper says nothing;
        # data-selfpromo-newsletter="" does.
        elif (
            name.startswith("data-")
            and len(name) > 5
            and len(value) < 40
            and "/" not in value
            and (
                _has_junk_word(name[5:])
                or (name.rsplit("-", 1)[-1] in _DATA_KIND_NAMES and _has_junk_word(value))
            )
        ):
            return True
    return False


def _is_hidden(element: Element) -> bool:
    if element.get("hidden") is not None:
        return True
    style = element.get("style")
    return bool(style and _CSS_HIDDEN.search(style.lower()))


def is_share_label(text: str) -> bool:
    """True when ``text`` is nothing but a share widget's label ("Share:", "分享 :", "Partager")."""
    words = _LABEL_SEPARATORS.sub(" ", text.lower()).strip()
    if not words:
        return True
    if len(words) > 80:
        return False
    return bool(_SHARE_LABEL.match(words.replace(" ", ""))) or bool(
        _SHARE_LABEL.match(words) if " " in words else False
    )


def _text_length(element: Element) -> int:
    return len(normalize_space(element.text_content()))


class _Cleaner:
    """One pass down the tree (drop, convert, unwrap, filter), then one up (empties)."""

    def __init__(self, body: Element, base: str) -> None:
        self.body = body
        self.base = base
        # Containers that lost a share link or a junk block: if only a label is left in them, it
        # goes too.
        self.widget_parents: set[Element] = set()
        self.total_text = 0
        # Code languages are read before the walk strips the classes that declare them.
        self.languages: dict[Element, str] = {}

    def run(self) -> None:
        self._drop_invisible()
        for element in self.body.iter("pre", "code"):
            language = code_language(element)
            if language:
                self.languages[element] = language
        self.total_text = _text_length(self.body)
        self._walk_down()
        self._walk_up()

    def _drop_invisible(self) -> None:
        """Drop what is never shown; clean text that entities turned into control characters."""
        doomed = []
        for element in self.body.iter():
            if not isinstance(element.tag, str) or element.tag in _DROP:
                doomed.append(element)
                continue
            if element.tag != "body" and _is_hidden(element):
                doomed.append(element)
            text, tail = element.text, element.tail
            if text and _UNSAFE_IN_TREE.search(text):
                element.text = safe_text(_PRIVATE_USE.sub("", text))
            if tail and _UNSAFE_IN_TREE.search(tail):
                element.tail = safe_text(_PRIVATE_USE.sub("", tail))
        for element in doomed:
            _remove(element)

    def _walk_down(self) -> None:
        stack: list[Element] = list(reversed(self.body))
        while stack:
            element = stack.pop()
            children = self._visit(element)
            stack.extend(reversed(children))
        self._strip_attributes(self.body)

    def _visit(self, element: Element) -> list[Element]:
        """Handle one element; return the children still to visit."""
        tag = element.tag
        if not isinstance(tag, str) or tag in _DROP or tag in _MEDIA_PARTS:
            _remove(element)
            return []
        if tag in _EMBEDS:
            self._replace_embed(element)
            return []
        if tag == "math":
            self._replace_math(element)
            return []
        if _is_junk_marked(element) and self._may_remove_junk(element):
            self._remove_widget(element)
            return []
        if tag == "a":
            return self._visit_link(element)
        if tag == "img":
            self._visit_image(element)
            return []
        children = list(element)
        if tag not in _KEEP:
            element.drop_tag()
            return children
        self._strip_attributes(element)
        language = self.languages.get(element)
        if language:
            element.set("class", f"language-{language}")
        return children

    def _may_remove_junk(self, element: Element) -> bool:
        """A marked block is junk unless it holds most of the text (a marked wrapper)."""
        if element.tag in ("body", "html"):
            return False
        length = _text_length(element)
        return length < 200 or length * 2 < self.total_text

    def _remove_widget(self, element: Element) -> None:
        parent = element.getparent()
        for _ in range(4):
            if parent is None or parent is self.body:
                break
            self.widget_parents.add(parent)
            parent = parent.getparent()
        _remove(element)

    def _visit_link(self, link: Element) -> list[Element]:
        href = link.get("href") or ""
        children = list(link)
        if not href or href.lstrip().startswith("#"):
            link.drop_tag()
            return children
        absolute = _join(self.base, href)  # joined once: urljoin is slow
        if is_share_url(absolute):
            self._remove_widget(link)
            return []
        url = _safe_absolute_url(absolute)
        if not url:
            link.drop_tag()
            return children
        title = link.get("title")
        link.attrib.clear()
        link.set("href", url)
        if title:
            link.set("title", safe_text(title))
        return children

    def _visit_image(self, image: Element) -> None:
        raw_src = _image_source(image)
        src = safe_url(self.base, raw_src) if raw_src else ""
        if _is_tracking_image(image, src):
            _remove(image)
            return
        if src.startswith("mailto:"):
            src = ""
        alt = attribute_text(image.get("alt") or "")
        title = attribute_text(image.get("title") or "")
        is_math = bool(_MATH_CLASS.search(image.get("class") or ""))
        image.attrib.clear()
        if src:
            image.set("src", src)
        if alt:
            image.set("alt", alt)
        if title:
            image.set("title", title)
        if is_math:
            image.set("class", "math")
        if not src and not alt:
            _remove(image)

    def _replace_embed(self, element: Element) -> None:
        tag = element.tag
        raw = element.get("src") or element.get("data-src") or element.get("data") or ""
        if not raw and tag in ("video", "audio", "object"):
            for child in element.iter("source", "param"):
                if child.tag == "source" and child.get("src"):
                    raw = child.get("src") or ""
                    break
                if child.tag == "param" and (child.get("name") or "").lower() in (
                    "movie",
                    "src",
                    "url",
                ):
                    raw = child.get("value") or ""
                    break
        url = safe_url(self.base, raw) if raw else ""
        kind = _embed_kind(tag, url)
        width, height = _image_size(element)
        tiny = (width is not None and width <= 1) or (height is not None and height <= 1)
        if not url or url.startswith("mailto:") or kind is None or tiny:
            _remove(element)
            return
        url = _canonical_media_url(url)
        label = attribute_text(element.get("title") or element.get("aria-label") or "")
        if not label:
            label = file_name(url) if tag in ("video", "audio") else ""
        if not label:
            label = (urlsplit(url).hostname or "").removeprefix("www.")
        replacement = lxml.html.Element("div")
        link = lxml.html.Element("a")
        link.set("href", url)
        link.text = f"[{kind}: {label}]"
        replacement.append(link)
        replacement.tail = element.tail
        parent = element.getparent()
        if parent is not None:
            parent.replace(element, replacement)

    def _replace_math(self, element: Element) -> None:
        """MathML becomes text: plain when it is only numbers and names, else its TeX as code."""
        plain = all(
            node.tag in _SIMPLE_MATH for node in element.iter() if isinstance(node.tag, str)
        )
        source = ""
        if not plain:
            source = element.get("alttext") or ""
            for annotation in element.iter("annotation"):
                if not source and "tex" in (annotation.get("encoding") or "").lower():
                    source = annotation.text_content()
        replacement = lxml.html.Element("code" if source else "span")
        if not source:
            for annotation in list(element.iter("annotation", "annotation-xml")):
                _remove(annotation)
            for space in element.iter("mspace"):
                space.text = " "
            source = element.text_content()
        replacement.text = normalize_space(source)
        replacement.tail = element.tail
        parent = element.getparent()
        if parent is None:
            return
        if replacement.text:
            parent.replace(element, replacement)
        else:
            _remove(element)

    def _strip_attributes(self, element: Element) -> None:
        allowed = _ALLOWED_ATTRIBUTES.get(element.tag, frozenset())
        if not element.attrib:
            return
        kept = {
            name: value
            for name, value in element.attrib.items()
            if name in allowed and not name.startswith("on")
        }
        element.attrib.clear()
        for name, value in kept.items():
            if name in ("colspan", "rowspan", "start"):
                digits = value.strip()[:4]
                if not digits.isdigit():
                    continue
                value = digits
            element.set(name, safe_text(value))

    def _walk_up(self) -> None:
        """Remove empty links and blocks, then widget labels, children before parents."""
        has_content: dict[Element, bool] = {}
        for element in reversed(list(self.body.iter())):
            tag = element.tag
            content = bool((element.text or "").strip()) or tag in _CONTENT_WITHOUT_TEXT
            if not content:
                for child in element:
                    if has_content.get(child, False) or (child.tail or "").strip():
                        content = True
                        break
            if element is self.body:
                break
            if not content and tag in _REMOVABLE_WHEN_EMPTY:
                _remove(element)
                continue
            if element in self.widget_parents and _only_label_left(element):
                _remove(element)
                continue
            has_content[element] = content


def _only_label_left(element: Element) -> bool:
    if any(True for _ in element.iter("img", "pre", "table", "ul", "ol", "blockquote")):
        return False
    return is_share_label(element.text_content())


def _remove(element: Element) -> None:
    """Remove ``element`` and its subtree, keeping the text that follows it."""
    if element.getparent() is not None:
        element.drop_tree()


def _embed_kind(tag: str, url: str) -> str | None:
    if tag in ("video", "audio"):
        return tag
    lowered = url.lower()
    location = lowered.split("://", 1)[-1]
    host = location.split("/", 1)[0]
    if (
        any(social in location for social in _SOCIAL_PLUGIN_HOSTS)
        and "plugins/video" not in location
    ):
        return None
    if any(tracker in host for tracker in _TRACKER_HOSTS):
        return None
    if any(video in location for video in _VIDEO_HOSTS):
        return "video"
    if any(audio in location for audio in _AUDIO_HOSTS):
        return "audio"
    path = urlsplit(url).path.lower()
    if path.endswith((".mp4", ".webm", ".m4v", ".mov", ".ogv")):
        return "video"
    if path.endswith((".mp3", ".m4a", ".ogg", ".oga", ".opus", ".wav", ".flac", ".aac")):
        return "audio"
    return "embed"


def _canonical_media_url(url: str) -> str:
    """Player-embed URLs of the big video hosts become their watch-page URLs."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.endswith(("youtube.com", "youtube-nocookie.com")):
        match = _YOUTUBE_EMBED.match(parts.path)
        if match:
            return f"https://www.youtube.com/watch?v={match.group(1)}"
    if host == "player.vimeo.com":
        match = _VIMEO_EMBED.match(parts.path)
        if match:
            return f"https://vimeo.com/{match.group(1)}"
    return url


def file_name(url: str) -> str:
    """The last segment of a URL's path, as a download would name the file: clean, at most
    80 characters, and "" for none or for a URL that cannot be split."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    name = unquote(path.rstrip("/").rsplit("/", 1)[-1])
    return normalize_space(safe_text(name))[:80]


@lru_cache(maxsize=512)
def _lexer_exists(name: str) -> bool:
    from pygments.lexers import get_lexer_by_name  # type: ignore[import-untyped]
    from pygments.util import ClassNotFound  # type: ignore[import-untyped]

    try:
        get_lexer_by_name(name)
    except ClassNotFound:
        return False
    return True


_LANGUAGE_PREFIXES = (
    "language-",
    "lang-",
    "highlight-source-",
    "highlight-",
    "brush:",
    "sourcecode-",
)
_LANGUAGE_NAME = re.compile(r"^[a-z0-9+#._-]{1,30}$")


def code_language(element: Element) -> str:
    """The language a ``<pre>``/``<code>`` declares (class or data-*), if Pygments knows it."""
    candidates: list[str] = []
    nodes = [element, *element.iterchildren("code")]
    parent = element.getparent()
    if parent is not None and parent.tag in ("div", "figure", "section"):
        nodes.append(parent)
    for node in nodes:
        for name in ("data-lang", "data-language"):
            value = node.get(name)
            if value:
                candidates.append(value)
        classes = (node.get("class") or "").replace("brush: ", "brush:").split()
        for class_name in classes:
            lowered = class_name.lower().rstrip(";")
            for prefix in _LANGUAGE_PREFIXES:
                if lowered.startswith(prefix):
                    candidates.append(lowered[len(prefix) :])
        if node.tag == "pre" and "sourcecode" in classes and len(classes) > 1:
            candidates.extend(
                class_name.lower() for class_name in classes if class_name != "sourcecode"
            )
    for candidate in candidates:
        candidate = candidate.strip().lower()
        if _LANGUAGE_NAME.match(candidate) and _lexer_exists(candidate):
            return candidate
    return ""
