"""Names and columns of the bundled files built from the shared raw copies (see scripts/refdata_raw.py)."""

US_FILE = "us_listings.tsv"
US_COLUMNS = ("symbol", "venue", "first_seen", "last_seen", "kind", "source")
US_CHANGES_FILE = "us_changes.tsv"
US_CHANGES_COLUMNS = ("kind", "old_symbol", "old_venue", "new_symbol", "new_venue", "old_last_seen",
                      "new_first_seen")
NONUS_DIR = "nonus"
NONUS_COLUMNS = ("symbol", "name", "isin", "currency", "country", "delisted")
NAMES_FILE = "names.tsv"
NAMES_COLUMNS = ("name", "kind", "company", "symbol", "venue", "country", "plain", "zipf", "source")
