"""Marshmallow schemas of the HTTP API: they validate requests and document every answer in /openapi.json."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates

from enrich.documents import is_id, parse_date
from enrich.domain.model import STATUSES
from enrich.domain.venues import venue_for

SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.&\- ]{0,19}$")
PRICE_STATUSES = ("disabled", "unavailable", "rate_limited", "not_found")


class StrictBoolean(fields.Boolean):
    """JSON `true` or `false` only: 1, "yes" and "true" are not booleans in a JSON body."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class _Pattern(validate.Regexp):
    """A pattern as /openapi.json documents it: `$` ends the string (Python's `$` also matches before a final `\n`)."""

    def __call__(self, value: str) -> str:
        if value.endswith("\n"):
            raise ValidationError(self._format_error(value))
        return super().__call__(value)


class _Date(fields.Date):
    """An ISO date, YYYY-MM-DD, loaded as that string (the form the use case takes) by the one rule for dates."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return parse_date(value)
        except ValueError:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None


# --- requests ----------------------------------------------------------------------------------------------


class EnrichRequest(Schema):
    """POST /v1/enrich: one article."""

    text = fields.String(required=True, metadata={"description": "the article, any length up to the body limit",
                                                  "example": "Xiaomi (NASDAQ: XIACY) and meta (NASDAQ: Meta) fell."})
    as_of = _Date(load_default=None, allow_none=True,
                  metadata={"description": "the article's date; listings are checked as they were then",
                            "example": "2024-05-02"})
    prices = StrictBoolean(load_default=True, metadata={"description": "add price context (default true)",
                                                        "example": True})
    names = StrictBoolean(load_default=False, metadata={
        "description": "also list every listed company the article names, tagged or not, as `companies` "
                       "(default false)", "example": True})


class TickerPath(Schema):
    """The symbol in GET /v1/tickers/{symbol}."""

    symbol = fields.String(required=True, validate=_Pattern(SYMBOL, error="not a ticker symbol"),
                           metadata={"description": "as written: MSFT, BRK.B, 1810, Meta", "example": "MSFT"})


class TickerQuery(Schema):
    """GET /v1/tickers/{symbol}?exchange=&as_of=&prices=."""

    class Meta:
        unknown = EXCLUDE

    exchange = fields.String(load_default=None, validate=validate.Length(max=60), metadata={
        "description": "the venue as an article writes it (NASDAQ, Nasdaq GS, TSX, HKEX, OTC Pink, ...); "
                       "omitted: the symbol's best listing in the reference data, US venues first",
        "example": "NASDAQ"})
    as_of = _Date(load_default=None, metadata={"description": "judge the listing as of this date",
                                                "example": "2024-05-02"})
    prices = fields.Boolean(load_default=True, truthy={"true", "1"}, falsy={"false", "0"},
                            metadata={"description": "add price context (default true)", "example": True})

    @validates("exchange")
    def _known(self, value: str | None, **kwargs: Any) -> None:
        if value is not None and venue_for(value) is None:
            raise ValidationError(f"unknown exchange {value!r}")

    @post_load
    def _venue_key(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        venue = venue_for(data["exchange"]) if data["exchange"] is not None else None
        return {**data, "venue_key": venue.key if venue else None}


class DocumentId(fields.Raw):
    """A document's id, echoed in its result: a JSON string or integer."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | int:
        if not is_id(value):
            raise ValidationError("must be a string or an integer")
        return value


class JobDocument(Schema):
    """One document of a job."""

    id = DocumentId(required=True, metadata={"oneOf": [{"type": "string"}, {"type": "integer"}],
                                             "description": "yours, echoed in the document's result",
                                             "example": "press-1"})
    text = fields.String(required=True, metadata={"example": "Shopify (TSX: SHOP) rose; Vodafone (LSE: VOD) fell."})
    as_of = _Date(load_default=None, allow_none=True, metadata={"description": "the article's date",
                                                                "example": "2024-05-02"})


class JobRequest(Schema):
    """POST /v1/jobs: documents to enrich in the background (at most ENRICH_MAX_JOB_DOCUMENTS)."""

    documents = fields.List(fields.Nested(JobDocument), required=True, validate=validate.Length(min=1), metadata={
        "example": [{"id": "press-1", "text": "Shopify (TSX: SHOP) rose; Vodafone (LSE: VOD) fell.",
                     "as_of": "2024-05-02"},
                    {"id": 2, "text": "Xiaomi (NASDAQ: XIACY) and meta (NASDAQ: Meta) fell."}]})
    prices = StrictBoolean(load_default=True, metadata={"description": "add price context (default true)",
                                                        "example": True})
    names = StrictBoolean(load_default=False, metadata={
        "description": "also list every listed company the article names, tagged or not, as `companies` "
                       "(default false)", "example": False})


class JobQuery(Schema):
    """GET /v1/jobs/{job_id}?page=&per_page=."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1), metadata={"example": 1})
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000), metadata={"example": 50})


# --- answers (documentation and conformance tests; the domain's to_dict() writes them) -----------------------


class ClaimedSchema(Schema):
    exchange = fields.String(required=True, metadata={"example": "NASDAQ"})
    mic = fields.String(required=True, metadata={"example": "XNAS"})
    symbol = fields.String(required=True, metadata={"description": "exactly as written", "example": "XIACY"})


class _ListingSchema(Schema):
    """The fields every listing in an answer has (a base only: not a component of its own)."""

    symbol = fields.String(required=True)
    exchange = fields.String(required=True)
    mic = fields.String(required=True)
    yahoo_symbol = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)


class RelatedSchema(_ListingSchema):
    relation = fields.String(required=True, metadata={"enum": ["home", "adr", "dual"]})


class ResolvedSchema(_ListingSchema):
    currency = fields.String(required=True, allow_none=True)
    kind = fields.String(required=True, allow_none=True)
    related = fields.List(fields.Nested(RelatedSchema), required=True)


class CorrectionSchema(Schema):
    field = fields.String(required=True)
    from_ = fields.String(required=True, data_key="from")
    to = fields.String(required=True)
    reason = fields.String(required=True)


class EvidenceSchema(Schema):
    source = fields.String(required=True)
    as_of = fields.String(required=True, allow_none=True)
    finding = fields.String(required=True)


class ConvertedSchema(Schema):
    last = fields.Float(allow_none=True)
    previous_close = fields.Float(allow_none=True)
    change = fields.Float(allow_none=True)
    currency = fields.String()


class PriceSchema(Schema):
    last = fields.Float(required=True, allow_none=True)
    currency = fields.String(required=True, allow_none=True)
    previous_close = fields.Float(required=True, allow_none=True)
    change = fields.Float(required=True, allow_none=True)
    change_pct = fields.Float(required=True, allow_none=True)
    as_of = fields.String(required=True, allow_none=True)
    market_state = fields.String(required=True, allow_none=True)
    source = fields.String(required=True)
    age_s = fields.Integer(required=True)
    stale = fields.Boolean(required=True)
    converted = fields.Nested(ConvertedSchema, metadata={"description": "minor-unit quotes (GBp) in the major unit"})
    unit_note = fields.String()


class SpanSchema(Schema):
    span = fields.List(fields.Integer(), required=True, validate=validate.Length(equal=2),
                       metadata={"description": "[start, end) in Python str indices of the input"})
    text = fields.String(required=True)


class VerdictSchema(Schema):
    """What the mention and the ticker answers share: the claim, the verdict and the price."""

    claimed = fields.Nested(ClaimedSchema, required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    resolved = fields.Nested(ResolvedSchema, required=True, allow_none=True)
    corrections = fields.List(fields.Nested(CorrectionSchema), required=True)
    confidence = fields.Float(required=True)
    evidence = fields.List(fields.Nested(EvidenceSchema), required=True)
    candidates = fields.List(fields.Nested(ResolvedSchema), metadata={"description": "when ambiguous"})
    price = fields.Nested(PriceSchema, required=True, allow_none=True)
    price_status = fields.String(validate=validate.OneOf(PRICE_STATUSES), allow_none=True,
                                 metadata={"description": "why price is null"})
    price_detail = fields.String()


class CompanySchema(Schema):
    text = fields.String(required=True)
    span = fields.List(fields.Integer(), required=True)


class MentionSchema(VerdictSchema):
    """One tag found in the article."""

    span = fields.List(fields.Integer(), required=True, metadata={"description": "[start, end) of the tag"})
    text = fields.String(required=True, metadata={"description": "the input's text at span"})
    company = fields.Nested(CompanySchema, required=True, allow_none=True)
    fix = fields.Nested(SpanSchema, metadata={"description": "replace span of the input with text to apply "
                                                             "the corrections"})


class MetaSchema(Schema):
    version = fields.String(required=True)
    as_of = fields.String(required=True, allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    prices = fields.String(required=True, metadata={"description": "yfinance, offline or disabled"})
    refdata = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), required=True,
                          metadata={"description": "as-of date of each reference source"})
    truncated = fields.Boolean()
    warnings = fields.List(fields.String())


class CompanyListingSchema(_ListingSchema):
    """The listing a company mention links to."""


class CompanyMentionSchema(Schema):
    """One place where the article names a listed company, tagged or not."""

    span = fields.List(fields.Integer(), required=True, validate=validate.Length(equal=2),
                       metadata={"description": "[start, end) of the name, in Python str indices of the input"})
    text = fields.String(required=True, metadata={"description": "the input's text at span", "example": "Baidu"})
    listing = fields.Nested(CompanyListingSchema, required=True)
    confidence = fields.Float(required=True)
    tagged = fields.Boolean(required=True, metadata={"description": "the mention carries a tag (its listing is then "
                                                                    "the tag's resolved listing)"})
    evidence = fields.List(fields.Nested(EvidenceSchema), required=True)
    suggestion = fields.Nested(SpanSchema, metadata={
        "description": "on a company's first untagged mention when the article tags it nowhere: replace span of the "
                       "input with text to add the tag"})


class EnrichmentSchema(Schema):
    """Every tag in the article, checked, corrected where wrong, with prices."""

    mentions = fields.List(fields.Nested(MentionSchema), required=True)
    meta = fields.Nested(MetaSchema, required=True)
    companies = fields.List(fields.Nested(CompanyMentionSchema), metadata={
        "description": "only when asked for (`names`): every listed company the article names, in text order"})


class TickerMetaSchema(MetaSchema):
    exchange_from = fields.String(required=True, validate=validate.OneOf(("request", "reference", "symbol shape")),
                                  metadata={"description": "where the exchange came from"})


class TickerSchema(VerdictSchema):
    """One ticker judged as if an article had tagged it EXCHANGE: SYMBOL."""

    meta = fields.Nested(TickerMetaSchema, required=True)


class JobCreatedSchema(Schema):
    """A job was accepted (or the same documents were already a job): where to follow it."""

    id = fields.String(required=True, metadata={"description": "derived from the documents: same documents, same id"})
    status_url = fields.String(required=True)


class ProgressSchema(Schema):
    done = fields.Integer(required=True, metadata={"description": "documents with a result, failed ones included"})
    failed = fields.Integer(required=True)
    total = fields.Integer(required=True)


class JobStatusSchema(Schema):
    """A job's state and one page of its results, in input order."""

    id = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(("queued", "running", "finished")))
    progress = fields.Nested(ProgressSchema, required=True)
    results = fields.List(fields.Dict(), required=True, metadata={
        "description": "this page's documents that have a result so far: {id, mentions, meta, companies?} or "
                       "{id, error}"})
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    next = fields.String(required=True, allow_none=True, metadata={"description": "the following page, or null"})


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


class ReadySchema(Schema):
    status = fields.String(required=True, metadata={"example": "ready"})
    checks = fields.Dict(required=True, metadata={"description": "refdata (loaded, as-of dates) and redis"})


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "invalid_input"})
    message = fields.String(required=True)
    details = fields.Raw(metadata={"description": "per-field messages on 422; more context elsewhere"})


class ErrorSchema(Schema):
    """The one error shape of every non-2xx answer."""

    error = fields.Nested(ErrorBodySchema, required=True)
