"""The text edits that apply a document's corrections, and the corrected text."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from enrich.domain.model import Mention


def _target(mention: Mention) -> tuple[str, str]:
    """The (venue label, symbol) a mention should read after its corrections."""
    tag, verdict = mention.tag, mention.verdict
    fields = {c.field for c in verdict.corrections}
    resolved = verdict.resolved
    label = resolved.exchange if resolved and "exchange" in fields else tag.venue_text
    symbol = resolved.symbol if resolved and "symbol" in fields else tag.symbol
    return label, symbol


def plan(text: str, mentions: list[Mention]) -> None:
    """Attach to each corrected mention the (span, replacement) that fixes it, group by group.

    A venue label shared by several symbols is rewritten only when every symbol moves to the same
    venue; otherwise the whole tag is written out again, one venue per part, so no symbol moves by accident.
    """
    groups: dict[int, list[Mention]] = defaultdict(list)
    for mention in mentions:
        groups[mention.tag.group].append(mention)
    for members in groups.values():
        if not any(m.verdict.status == "corrected" for m in members):
            continue
        moves = [m for m in members if any(c.field == "exchange" for c in m.verdict.corrections)]
        if not moves:
            for m in members:
                if m.verdict.status == "corrected":
                    m.fix = (m.tag.symbol_span, _target(m)[1])
            continue
        by_label: dict[tuple[int, int], list[Mention]] = defaultdict(list)
        for m in members:
            by_label[m.tag.venue_span].append(m)
        symbol_owners: dict[tuple[int, int], int] = defaultdict(int)
        for m in members:
            symbol_owners[m.tag.symbol_span] += 1
        whole_label = all(
            len({_target(m)[0] for m in under}) == 1 and all(symbol_owners[m.tag.symbol_span] == 1 for m in under)
            for under in by_label.values()
        )
        if whole_label:
            for under in by_label.values():
                for index, m in enumerate(under):
                    label, symbol = _target(m)
                    if index == 0 and label != m.tag.venue_text:
                        start, end = m.tag.span
                        between = text[m.tag.venue_span[1]:m.tag.symbol_span[0]]
                        m.fix = ((start, end), f"{label}{between}{symbol}")
                    elif m.verdict.status == "corrected" and symbol != m.tag.symbol:
                        m.fix = (m.tag.symbol_span, symbol)
            continue
        start = min(m.tag.venue_span[0] for m in members)
        end = max(m.tag.symbol_span[1] for m in members)
        rendered = _render(members)
        for m in members:
            if m.verdict.status == "corrected":
                m.fix = ((start, end), rendered)


def _render(members: Iterable[Mention]) -> str:
    """`OTC: XIACY; NASDAQ: GOOGL`: the tag written out again from its mentions' targets."""
    order: dict[str, list[str]] = {}
    for m in members:
        label, symbol = _target(m)
        bucket = order.setdefault(label, [])
        if symbol not in bucket:
            bucket.append(symbol)
    return "; ".join(f"{label}: {', '.join(syms)}" for label, syms in order.items())


def apply(text: str, mentions: Iterable[Mention], more: Iterable[tuple[tuple[int, int], str]] = ()) -> str:
    """The text with every planned fix applied, and `more` edits ((span, text): the suggested tags of companies
    named without one); overlapping or repeated edits apply once, the first in text order."""
    edits = sorted({m.fix for m in mentions if m.fix is not None} | set(more))
    out: list[str] = []
    cursor = 0
    for (start, end), replacement in edits:
        if start < cursor:
            continue
        out.append(text[cursor:start])
        out.append(replacement)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
