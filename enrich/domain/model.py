"""The data model every layer speaks: tags found in text, listings, verdicts and their JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUSES = ("valid", "corrected", "unverified", "unknown", "ambiguous")


@dataclass(frozen=True, slots=True)
class Tag:
    """One (venue, symbol) pair as the article wrote it, before any check."""

    span: tuple[int, int]
    venue_key: str
    venue_text: str
    venue_span: tuple[int, int]
    symbol: str
    symbol_span: tuple[int, int]
    group: int
    company: str | None = None
    company_span: tuple[int, int] | None = None
    bracketed: bool = True
    co_venues: tuple[str, ...] = ()  # the other venues one label names for this symbol: `(NYSE, Nasdaq: VZ)`


@dataclass(frozen=True, slots=True)
class Listing:
    """A symbol listed on a venue, as one reference source records it."""

    symbol: str
    venue_key: str
    source: str
    name: str | None = None
    kind: str | None = None
    family_only: bool = False  # the source names the venue family (NYSE), not the exact venue
    delisted: bool = False  # the source keeps the listing but marks it delisted (FinanceDatabase)
    isin: str | None = None
    country: str | None = None  # where the company is based, when the source says


@dataclass(frozen=True, slots=True)
class Correction:
    """One field changed from what the article wrote, and why."""

    field: str
    old: str
    new: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "from": self.old, "to": self.new, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Evidence:
    """A finding from one source that the verdict rests on."""

    source: str
    as_of: str | None
    finding: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "as_of": self.as_of, "finding": self.finding}


@dataclass(frozen=True, slots=True)
class Related:
    """Another listing of the same company: its home market, an ADR of it, or a second listing."""

    symbol: str
    exchange: str
    mic: str
    yahoo_symbol: str
    name: str | None
    relation: str  # "home", "adr" or "dual"

    def to_dict(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "exchange": self.exchange, "mic": self.mic,
                "yahoo_symbol": self.yahoo_symbol, "name": self.name, "relation": self.relation}


@dataclass(frozen=True, slots=True)
class Resolved:
    """The listing the service believes the tag means."""

    symbol: str
    exchange: str
    mic: str
    yahoo_symbol: str
    name: str | None
    currency: str | None
    kind: str | None
    related: tuple[Related, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol, "exchange": self.exchange, "mic": self.mic,
            "yahoo_symbol": self.yahoo_symbol, "name": self.name,
            "currency": self.currency, "kind": self.kind, "related": [r.to_dict() for r in self.related],
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the checks concluded about one tag."""

    status: str
    resolved: Resolved | None = None
    corrections: tuple[Correction, ...] = ()
    confidence: float = 0.0
    evidence: tuple[Evidence, ...] = ()
    candidates: tuple[Resolved, ...] = ()


@dataclass(slots=True)
class Mention:
    """A tag with its verdict, the fix for its text, and its price or why it has none."""

    tag: Tag
    verdict: Verdict
    claimed_exchange: str
    claimed_mic: str
    fix: tuple[tuple[int, int], str] | None = None
    price: dict[str, Any] | None = None
    price_status: str | None = "disabled"
    price_detail: str | None = None

    def to_dict(self, text: str) -> dict[str, Any]:
        tag, verdict = self.tag, self.verdict
        out: dict[str, Any] = {
            "span": list(tag.span),
            "text": text[tag.span[0]:tag.span[1]],
            "claimed": {"exchange": self.claimed_exchange, "mic": self.claimed_mic, "symbol": tag.symbol},
            "company": (
                {"text": tag.company, "span": list(tag.company_span)} if tag.company and tag.company_span else None
            ),
            "status": verdict.status,
            "resolved": verdict.resolved.to_dict() if verdict.resolved else None,
            "corrections": [c.to_dict() for c in verdict.corrections],
            "confidence": round(verdict.confidence, 2),
            "evidence": [e.to_dict() for e in verdict.evidence],
        }
        if verdict.candidates:
            out["candidates"] = [c.to_dict() for c in verdict.candidates]
        if self.fix is not None:
            (start, end), replacement = self.fix
            out["fix"] = {"span": [start, end], "text": replacement}
        out["price"] = self.price
        if self.price is None:
            out["price_status"] = self.price_status
            if self.price_detail:
                out["price_detail"] = self.price_detail
        return out


@dataclass(frozen=True, slots=True)
class CompanyListing:
    """The listing a company mention links to."""

    symbol: str
    exchange: str
    mic: str
    yahoo_symbol: str
    name: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "exchange": self.exchange, "mic": self.mic,
                "yahoo_symbol": self.yahoo_symbol, "name": self.name}


@dataclass(frozen=True, slots=True)
class CompanyMention:
    """One place where the article names a listed company, tagged or not (SPEC "Companies without tags")."""

    span: tuple[int, int]
    text: str
    listing: CompanyListing
    confidence: float
    tagged: bool
    evidence: tuple[Evidence, ...] = ()
    suggestion: tuple[tuple[int, int], str] | None = None  # (span, text) on the first untagged mention

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "span": list(self.span), "text": self.text, "listing": self.listing.to_dict(),
            "confidence": round(self.confidence, 2), "tagged": self.tagged,
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.suggestion is not None:
            out["suggestion"] = {"span": list(self.suggestion[0]), "text": self.suggestion[1]}
        return out


@dataclass(slots=True)
class Enrichment:
    """The answer for one document: its mentions and what produced them (and, when asked, every company named)."""

    text: str
    mentions: list[Mention]
    meta: dict[str, Any] = field(default_factory=dict)
    companies: list[CompanyMention] | None = None  # None: not asked for (`names` off)

    def to_dict(self) -> dict[str, Any]:
        out = {"mentions": [m.to_dict(self.text) for m in self.mentions], "meta": self.meta}
        if self.companies is not None:
            out["companies"] = [c.to_dict() for c in self.companies]
        return out
