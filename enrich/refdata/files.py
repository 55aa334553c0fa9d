"""Names and columns of the bundled files built from the shared raw copies (see scripts/refdata_raw.py)."""

US_FILE = "us_listings.tsv"
US_COLUMNS = ("symbol", "venue", "first_seen", "last_seen", "kind", "source")
US_CHANGES_FILE = "us_changes.tsv"
US_CHANGES_COLUMNS = ("kind", "old_symbol", "old_venue", "new_symbol", "new_venue", "old_last_seen",
                      "new_first_seen")
NONUS_DIR = "nonus"
NONUS_COLUMNS = ("symbol", "name", "isin", "currency", "country", "delisted", "size")
# FinanceDatabase's market-cap class of a listing, as `size`: mega, large, mid, small, micro, nano, or empty.
SIZES = {"Mega Cap": "mega", "Large Cap": "large", "Mid Cap": "mid", "Small Cap": "small", "Micro Cap": "micro",
         "Nano Cap": "nano"}
NAMES_FILE = "names.tsv"
NAMES_COLUMNS = ("name", "kind", "company", "symbol", "venue", "country", "plain", "zipf", "source", "size",
                 "until")
