"""The reference sources' ids, as evidence names them: one spelling for the refdata layer and the verdicts."""

SEC = "sec-company-tickers"
CUSIP = "cusip-tickers"
PYTS = "pytickersymbols"
MIC = "iso10383"
FINANCEDATABASE = "financedatabase"
US_HISTORY = "us-listing-history"
NAME_INDEX = "name-index"
