"""Slugs cut at other lengths: the archive cuts a slug at 139 characters, and a link may name an
event by a cut of its slug at another length. Pure and light: `related` and `show` ask it on every
run (from merge, they paid 4.6 ms of imports: the cleaning it needs and HTML's entities)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

CUT_MIN = 60  # characters of a slug cut at another length (the archive cuts slugs at 139)
CUT_SLACK = 20  # characters two cuts of one slug may differ by
T = TypeVar("T")


def resolve_cut_slug(slug: str, day_slugs: Mapping[str, T]) -> T | None:
    """The one event of a day a link names by a slug cut at another length (`...-suggests-mod`
    for `...-suggests-moder`, or the reverse); None when no event or more than one fits.

    `day_slugs` maps every slug of that day (canonical and aliases) to its event. Both slugs must be
    long, as cut slugs are (a slug is cut at 139 characters), and differ by a few characters only."""
    if slug in day_slugs:
        return day_slugs[slug]
    if len(slug) < CUT_MIN:
        return None
    found: list[T] = []
    for other, event in day_slugs.items():
        short, long = (other, slug) if len(other) < len(slug) else (slug, other)
        fits = len(short) >= CUT_MIN and len(long) - len(short) <= CUT_SLACK and long.startswith(short)
        if fits and event not in found:
            found.append(event)
    return found[0] if len(found) == 1 else None
