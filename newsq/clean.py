"""Text as a reader should see it: the wiki, HTML and encoding damage of archive pages removed.

The archive was made by robots from Wikipedia wikitext, through more than one bad encoding, so its
titles, summaries, topics, contexts and source names can carry HTML entities, wiki markup, image
leftovers and mojibake. Pages stay as written on disk; what newsq stores, searches and shows is
the clean text. Most strings carry none of this, so each function first looks for a marker and
returns the text untouched when there is none: the repairs never run blindly on every string.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

# A string with none of these characters (nor `''`, nor mojibake) needs no cleaning. Tested one
# by one with `in` (memchr): far cheaper than a regex over a character class, or a test for `''`.
_MARKERS = ("&", "[", "]", "{", "}", "<", "|", "\xa0")
_TWO_QUOTES_RE = re.compile("''")  # as a regex: several times faster than `"''" in text`

# Mojibake: a lead byte of UTF-8 read as Latin-1/cp1252 (Â-ô) followed by a continuation byte read
# the same way (0x80-0xBF, or the cp1252 characters that stand for those bytes).
_MOJIBAKE_RE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
# Entities with their semicolon only: `AT&T` and `R&D` stay as they are.
_ENTITY_RE = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# A reference's content is a citation, not text; block tags separate words; inline tags just go.
_REF_RE = re.compile(r"<ref\b[^>]*/>|<ref\b[^>]*>.*?(?:</ref\s*>|$)", re.I | re.S)
_BLOCK_TAG_RE = re.compile(r"</?(?:p|br|div|li|ul|ol|hr)\b[^<>]*>", re.I)
_INLINE_TAG_RE = re.compile(
    r"</?(?:b|i|u|s|em|strong|small|big|sup|sub|span|font|nowiki|code|tt|abbr|center|strike|del|ins)\b[^<>]*>",
    re.I,
)
_TEMPLATE_RE = re.compile(r"\{\{([^{}]*)\}\}")
_OPEN_TEMPLATE_RE = re.compile(r"\{\{[^{}]*$")  # cut off where the archive cut the text
_WIKILINK_RE = re.compile(r"\[\[([^\[\]]*)\]\]")
# An image whose `[[File:` was lost: its options and caption up to the closing brackets.
_IMAGE_TAIL_RE = re.compile(r"(?:(?:File|Image):[^|\[\]\n]*\|)?\bthumb(?:nail)?[| ][^\[\]\n]*\]\]", re.I)
_IMAGE_OPTIONS_RE = re.compile(
    r"(?:(?:File|Image):[^|\[\]\n]*\|)?\bthumb(?:nail)?"
    r"(?:\|(?:\d+(?:x\d+)?px|left|right|center|centre|none|upright(?:=[\d.]+)?|frameless|framed?|border"
    r"|(?:alt|link)=[^|\[\]\n]*))*\|",
    re.I,
)
# `[http://url label]` (also with slashes turned to dashes, `[http:--x.example-y CNN]`); a link
# cut off at the end of the text has no closing bracket.
_EXTERNAL_LINK_RE = re.compile(r"\[(?:https?|ftp):[^\s\[\]]*(?:[ \t]+([^\[\]\n]*?))?[ \t]*(?:\]|$)", re.I | re.M)
_QUOTES_RE = re.compile(r"'{2,}")
_SPACES_RE = re.compile(r"[ \t\xa0]{2,}|\xa0")
_SPACE_BEFORE_STOP_RE = re.compile(r"[ \t]+(?=[.,;:!?](?:\s|$))")
_ALNUM_RE = re.compile(r"[^\W_]")

# Template renderings: the value text a reader sees, by template name. Every other template
# (citation needed, language icons, dead links...) shows nothing.
_CONVERT = ("convert", "cvt")
_RANGE_WORDS = ("-", "–", "to", "and", "or", "by", "x")
_FIRST_ARG = ("ill", "interlanguage link", "flag", "flagcountry", "nts", "ntsh", "sort", "nowrap", "nobr")
_ALL_ARGS = ("small", "big", "sortname")


def _template(match: re.Match[str]) -> str:
    name, *rest = (part.strip() for part in match.group(1).split("|"))
    args = [a for a in rest if a and "=" not in a]
    key = name.casefold().replace("_", " ")
    if not args:
        return ""
    if key in _CONVERT:
        if len(args) >= 4 and args[1] in _RANGE_WORDS:
            return f"{args[0]} {args[1]} {args[2]} {args[3]}"
        return " ".join(args[:2])
    if key == "lang" or key.startswith("lang-"):
        return args[-1]
    if key in ("us$", "usd", "us dollar"):
        return "US$" + args[0]
    if key in _FIRST_ARG:
        return args[0]
    if key in _ALL_ARGS:
        return " ".join(args)
    return ""


def _wikilink(match: re.Match[str]) -> str:
    target, _, label = match.group(1).partition("|")
    if target.strip().casefold().startswith(("file:", "image:", "category:")):
        return ""
    return (label if label.strip() else target).strip().lstrip(":")


def _quotes(text: str) -> str:
    """Wiki `''italic''`, `'''bold'''` and `'''''both'''''` lose their quotes.

    As MediaWiki does: four quotes are an apostrophe and bold; when both italics and bold are
    left open, a bold run glued to a word is an apostrophe and an italic (`''Titanic'''s`).
    A closing run glued to a capital (`''Topic''Title`) becomes a space, as the text meant."""
    runs = list(_QUOTES_RE.finditer(text))
    italics = sum(1 for m in runs if len(m.group()) == 2)
    bolds = sum(1 for m in runs if len(m.group()) == 3)
    possessive = -1
    if italics % 2 and bolds % 2:
        glued = [k for k, m in enumerate(runs) if len(m.group()) == 3 and m.start() and text[m.start() - 1] != " "]
        possessive = glued[0] if glued else -1
    out: list[str] = []
    last = 0
    italic = bold = False
    for k, m in enumerate(runs):
        size = len(m.group())
        was_open = italic or bold
        if k == possessive:
            out.append(text[last : m.start()] + "'")
            italic = not italic
        else:
            out.append(text[last : m.start()] + "'" * max(0, size - 5) + ("'" if size == 4 else ""))
            italic = italic != (size in (2, 5))
            bold = bold != (size >= 3)
        after = text[m.end() : m.end() + 1]
        closed = was_open and not (italic or bold) and m.start() and text[m.start() - 1] != " "
        if closed and (after.isupper() or after.isdigit()):
            out.append(" ")
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def needs_cleaning(text: str) -> bool:
    """True when the text holds a marker of damage (cheap: a few memchr scans)."""
    for marker in _MARKERS:
        if marker in text:
            return True
    if "'" in text and _TWO_QUOTES_RE.search(text) is not None:
        return True
    return not text.isascii() and _MOJIBAKE_RE.search(text) is not None


def clean_text(text: str) -> str:
    """The text as a reader should see it; text with no marker of damage comes back as it is."""
    if not needs_cleaning(text):
        return text
    if "&" in text:  # twice: `&amp;quot;` was escaped twice on its way
        for _ in range(2):
            fixed = _ENTITY_RE.sub(lambda m: html.unescape(m.group()), text)
            if fixed == text:
                break
            text = fixed
    if not text.isascii() and _MOJIBAKE_RE.search(text):
        import ftfy  # the well-kept repair for mojibake; loaded only for a text that has some

        text = ftfy.fix_encoding(text)
    if "<" in text:
        text = _INLINE_TAG_RE.sub("", _BLOCK_TAG_RE.sub(" ", _REF_RE.sub("", text)))
    if "{{" in text or "}}" in text:
        for _ in range(5):  # innermost first: templates nest
            text, count = _TEMPLATE_RE.subn(_template, text)
            if not count:
                break
        text = _OPEN_TEMPLATE_RE.sub("", text).replace("}}", "")
    if "[" in text or "]]" in text:
        for _ in range(5):  # innermost first: an image caption can hold links
            text, count = _WIKILINK_RE.subn(_wikilink, text)
            if not count:
                break
        text = _EXTERNAL_LINK_RE.sub(lambda m: (m.group(1) or "").strip(), text)
    if "thumb" in text:
        text = _IMAGE_OPTIONS_RE.sub("", _IMAGE_TAIL_RE.sub("", text))
    text = text.replace("[[", "").replace("]]", "")
    if "''" in text:
        text = _quotes(text)
    text = _SPACE_BEFORE_STOP_RE.sub("", _SPACES_RE.sub(" ", text))
    return "\n".join(line.strip() for line in text.split("\n")) if "\n" in text else text.strip()


def clean_optional(text: str | None) -> str | None:
    """clean_text for an optional field; a text that cleaning empties is no text."""
    if text is None:
        return None
    return clean_text(text) or None


def clean_names(names: Iterable[object]) -> tuple[str, ...]:
    """Context names cleaned: entries with no letter or digit (`$`) dropped, and names that
    differ only in case or surrounding spaces made one (the first spelling kept)."""
    seen: dict[str, str] = {}
    for raw in names:
        name = clean_text(str(raw).strip())
        if name and _ALNUM_RE.search(name):
            seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


# --- scraped site blurbs ------------------------------------------------------------------------

# Phrases of a news site describing itself; a real summary of an event holds at most one of them.
# None holds another, so one phrase never counts twice.
_BLURB_CUES = (
    "brings you",
    "delivers",
    "up-to-the-minute",
    "your source for",
    "your trusted source for",
    "your destination for",
    "latest news",
    "breaking news",
    "top stories",
    "headlines",
    "news, sport",
    "from around the world",
    "and more",
    "video and pictures",
    "news and information",
    "business, politics",
    "multimedia",
    "watch or download",
    "exclusive interviews",
)
_BLURB_MAX = 300  # characters: site descriptions are short (search engines show about 160)


def may_hold_blurb(text: str) -> bool:
    """False when no paragraph of the text can be a site blurb: a blurb is short and speaks of
    its news or videos (cheap tests that spare the full one to almost every real summary)."""
    if "\n" not in text and len(text) > _BLURB_MAX:
        return False
    lower = text.lower()
    return "news" in lower or "video" in lower


def is_site_blurb(text: str) -> bool:
    """A news site's description of itself ("Site.com brings you the latest news..."), scraped
    where a summary or a `_Context:_` line should be: it says nothing about the event."""
    if len(text) > _BLURB_MAX or not may_hold_blurb(text):
        return False
    lower = text.lower()
    found = 0
    for cue in _BLURB_CUES:
        if cue in lower:
            found += 1
            if found == 2:
                return True
    return False
