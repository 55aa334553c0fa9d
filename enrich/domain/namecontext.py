"""Where a name stands in the text: the words around a company's name that say it is the company (a legal form, a
ticker, a company verb), or that it is something else (a longer name, a person, a place, a product, a headline).

Pure string checks on a bounded window around the name, so that linking names stays linear in the text.
"""

from __future__ import annotations

import functools
import re

from enrich.domain import symbols
from enrich.domain.venues import VENUES

# Legal forms of listed companies (an LLC or LP is private: `Callan LLC` is not Callan JMB Inc.).
_LEGAL = re.compile(r"^,?\s+(?:Inc|Incorporated|Corp|Corporation|Co|Company|Ltd|Limited|plc|PLC|N\.V|S\.A|"
                    r"AG|SE|Group|Holdings)\b\.?")
_SHARES_BEFORE = re.compile(r"(?:shares|stock|stake|units|ADRs?) (?:of|in) $", re.IGNORECASE)
# What a company does or has, right after its name: `Target reported`, `Apple's shares`, `Shell CEO`.
# `Microsoft-backed OpenAI`, `Amazon-owned Whole Foods`: a company backs or owns what follows.
_HYPHEN_VERBS = r"backed|owned|funded|controlled|sponsored"
_BACKER = re.compile(rf"^-(?:{_HYPHEN_VERBS})\b")
_AFTER = re.compile(r"^(?:'s|’s)?\s+(?:shares|stock|stockholders|shareholders|CEO|chief executive|CFO|"
                    r"announced|announces|reported|reports|said|says|unveiled|unveils|acquired|acquires|"
                    r"agreed to acquire|completed the acquisition|filed with|quarterly (?:revenue|results|earnings))\b")
# A headline's verb or noun after a name (`Microsoft Announces Results`, `Why Baidu Stock Jumped Today`): in a line in
# title case, its capital makes no longer name of the two words.
_HEADLINE = re.compile(r"^[ \t]+(?:Stock|Stocks|Shares|Announces|Announced|Reports|Reported|Unveils|Unveiled|Launches|"
                       r"Launched|Acquires|Acquired|Completes|Posts|Beats|Misses|Raises|Cuts|Names|Appoints|Expands|"
                       r"Signs|Agrees|Declares|Sees|Says|Plans|Earnings|Q[1-4])\b")
_OPENERS = frozenset({"The", "A", "An", "At", "In", "On", "For", "And", "But", "Or", "With", "By", "From", "To",
                      "Of", "As", "Like", "While", "When", "After", "Before", "Both", "Including", "Also", "Then",
                      "Meanwhile", "However", "Rivals", "Shares", "Peers", "Unlike", "Than", "Via", "Through", "If",
                      "Partners", "Investors", "Analysts", "Watch", "Read", "Note", "Giants", "About", "Later",
                      "Yesterday", "Today", "Now", "Last", "Earlier", "Recently", "Separately", "Additionally",
                      "Furthermore", "Moreover", "Currently", "Similarly", "Overall", "Together", "Specifically",
                      "Instead", "Still", "Notably", "Previously", "Since", "Until", "Under", "Over", "During",
                      "Where", "Why", "How", "What", "Who", "Whether", "Although", "Because", "So", "Yet", "Here",
                      "There", "This", "That", "These", "Those", "Its", "Their", "Our", "Your", "My", "His", "Her",
                      "Is", "Are", "Was", "Were", "Should", "Could", "Does", "Do", "Did", "Has", "Have", "Had",
                      "Buy", "Sell"})  # a headline's question (`Is Pfizer Stock a Buy?`); not Will or Can: first names
# Words after a company's name that make a unit of it, not another name: `Google Cloud`, `Amazon Web Services`.
_UNIT = re.compile(r"^[ \t]+(?:Cloud|Web Services|Studios|Television|Pictures|Labs|Research|Ventures|Supercenter|"
                   r"Foundation Models|Pay|Ads|Marketplace|DeepMind)\b")
CONNECTORS = frozenset({"of", "and", "&", "de", "the", "for", "la", "du", "des", "und", "y"})
# A platform or product rather than the company: `Facebook page`, `the Qualys platform`, `Pinterest: https://`.
_PRODUCT_AFTER = re.compile(r"^(?:'s|’s)?\s*(?:page|pages|account|accounts|app|apps|ads|ad|post|posts|profile|feed|"
                            r"users|website|site|homepage|search|store|channel|video|videos|platform|handle|(?-i:group)|"
                            r"community|marketplace|listing|live|shorts|reels|story|stories|blockchain|network|token|"
                            r"tokens|coin|coins|wallet|ecosystem|mainnet)\b|^\s*:\s*(?:https?://|www\.)",
                            re.IGNORECASE)
# Names that are first of all a market, a coin or a material: linked only with a legal form (`Bitcoin Group SE`).
BARE_NEVER = frozenset({"bitcoin", "ethereum", "solana", "cardano", "ripple", "dogecoin", "lithium", "quantum",
                         "uranium", "graphite", "copper", "gold", "silver", "nasdaq", "nyse"})
_STATES = ("Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|"
           "Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|"
           "Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|"
           "North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|"
           "Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|Ontario|Quebec|"
           "British Columbia|Alberta")
_COUNTRIES = ("England|Scotland|Ireland|Germany|France|Japan|China|India|Israel|Australia|Spain|Italy|Canada|Mexico|"
              "Brazil|Switzerland|Netherlands|Sweden|Norway|Denmark|Finland|Belgium|Austria|Portugal|Poland|Korea|"
              "South Korea|Taiwan|Singapore|Argentina|Chile|Peru|Colombia|South Africa|New Zealand|Greece|Turkey")
_AP_STATES = (r"Ala|Ariz|Ark|Calif|Colo|Conn|Del|Fla|Ga|Ill|Ind|Kan|Ky|La|Md|Mass|Mich|Minn|Miss|Mo|Mont|Neb|Nev|"
              r"N\.H|N\.J|N\.M|N\.Y|N\.C|N\.D|Okla|Ore|Pa|R\.I|S\.C|S\.D|Tenn|Tex|Vt|Va|Wash|W\.Va|Wis|Wyo|"
              r"B\.C|Ont|Que|Alta")
_CODES = ("AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|"
          "OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|ON|BC|QC|AB|UK")
_PLACE_AFTER = re.compile(rf"^,\s+(?:(?:{_CODES})\b(?!\.?\s*[a-z])|(?:{_STATES}|{_COUNTRIES})\b(?![ \t]+[A-Z])|"
                          rf"(?:{_AP_STATES})\.)")
_PLACE_BEFORE = re.compile(rf"(?:{_STATES}|(?<![A-Za-z])(?:{_CODES})\.?),[ \t]+$")
_NEXT_WORD = re.compile(r"[ \t]+(?:&[ \t]+)?([^\W_][\w'’.-]*)")
_NUMBER_AFTER = re.compile(r"[ \t]+\d")
_PARTICLE_AFTER = re.compile(r"[ \t]+(?:da|de|di|del|van|von|der|le|la|du|of)[ \t]+[A-Z]")  # `Citi of Books`
_HYPHEN_AFTER = re.compile(rf"-(?!(?:{_HYPHEN_VERBS})\b)[^\W\d_]")
_LINE_OPENING = re.compile(r"\n[#*\s]*$")
_PARTICLE_BEFORE = re.compile(r"(?:^|\s)(?:da|de|di|van|von|der)[ \t]+$")
_PARTICLES_BEFORE = ("da", "de", "di", "van", "von", "der")
# The word before a name, read backwards from the blanks before it: `(?:^|[\s(])([A-Z][a-z]+)` and
# `([^\W_][\w'’.-]*)` ending there, matched on the reversed text (a backwards search from the end costs a try at
# every character of the window).
_PREV_WORD_REVERSED = re.compile(r"[\w'’.-]*[^\W_]")
_FIRST_NAME_REVERSED = re.compile(r"[a-z]+[A-Z](?=[\s(]|\Z)")
_WORDS = re.compile(r"[^\W\d_][\w'’-]*")
_TICKER_AFTER = re.compile(r"\s*\((?:[A-Za-z .]+:\s*)?([A-Z][A-Z.\-]{0,6})\)")
_PERSON_AFTER = re.compile(r"^,?\s+(?:\w+\s+){0,2}(?:his|her|he|she|himself|herself)\b")

# After a name, what makes it something other than the company (one regex, tried once): a product or platform, a
# person (`..., his`), a number (`Daytona 500`, `Boeing 747`: an event or a model), a particle or hyphen (`Leonardo
# da Vinci`, `Embry-Riddle`, `adidas-branded`: a longer name, or a brand in use), a place (`Wilmington, NC`).
_NOT_ALONE_AFTER = re.compile("|".join(
    f"(?i:{p.pattern})" if p.flags & re.IGNORECASE else f"(?:{p.pattern})"
    for p in (_PRODUCT_AFTER, _PERSON_AFTER, _NUMBER_AFTER, _PARTICLE_AFTER, _HYPHEN_AFTER, _PLACE_AFTER)))

# Between two items of a list: separators, and figures that go with each item (`Caterpillar at 4.55%, RTX`).
LIST_GAP = re.compile(r"^(?=.*(?:[,;/&]|\band\b|\bor\b))[ \t\d.,;:%$€£()/&+-]*"
                       r"(?:\b(?:and|or|at|as well as|plus)\b[ \t\d.,;:%$€£()/&+-]*)*\Z")  # not across a line


# Another item of a list the index doesn't know (a private company, a brand): one to three capitalised words
# (`Fidelity`, `T-Mobile`, `Li Auto`, `eBay`), between separators.
_LIST_ITEM = re.compile(r"(?:[A-Z0-9][\w&'’.+-]*|[a-z]{1,2}[A-Z][\w&'’.+-]*)(?:[ \t][A-Z0-9][\w&'’.+-]*){0,2}")
LIST_GAP_MAX = 30  # characters of separators and figures between two items of a list of companies
LIST_SPAN_MAX = 90  # characters between two companies of one list, other items between included
_LIST_ITEMS_MAX = 3


def opener(word: str) -> bool:
    """A word that opens sentences or clauses (`Also`, `However`, `Today`): its capital says nothing."""
    return word in _OPENERS


def list_gap(gap: str) -> bool:
    """What lies between two items of a list of companies: separators and figures (`, `, ` and `, ` at 4.55%, `),
    or up to three other items the index doesn't know, each between such separators (`, Fidelity, T-Mobile, `)."""
    if len(gap) <= LIST_GAP_MAX and LIST_GAP.match(gap):
        return True
    if len(gap) > LIST_SPAN_MAX:
        return False
    at, items = 0, 0
    for item in _LIST_ITEM.finditer(gap):
        if items == _LIST_ITEMS_MAX or not _between_items(gap[at:item.start()]) or (
                item.group().split()[0] in _OPENERS):
            return False  # `However` after a `;` opens a sentence, not an item
        at, items = item.end(), items + 1
    return items > 0 and _between_items(gap[at:])


def _between_items(between: str) -> bool:
    """A list's separator next to an item the index doesn't know: a comma, semicolon or slash in it; `&`, `and` or
    `or` alone may join a longer name (`Florida Power & Light`, `Crate and Barrel`), not two items."""
    return (len(between) <= LIST_GAP_MAX and any(c in between for c in ",;/") and bool(LIST_GAP.match(between)))


# Words after a name that make it another organisation's longer name (`Hilton Capital Management`, `Apple
# Hospitality`); `Group` and `Holdings` are the company's own legal form.
_ORG_AFTER = re.compile(r"[ \t]+(?:Capital|Management|Partners|Advisors|Advisers|Investments?|Ventures|Bank|"
                        r"Financial|Realty|Properties|Hospitality|Foundation|Associates|Consulting|Securities|"
                        r"Wealth|Insurance|Funds?|LLC|LLP|LP)\b")


def legal_form(text: str, at: int) -> bool:
    """A legal form at `at` (`, Inc.`, ` Ltd.`)."""
    return _LEGAL.match(text[at:at + 40]) is not None


def named_longer(text: str, name: str) -> bool:
    """The article writes `name` as the opening of an organisation's longer name somewhere (`Hilton Capital
    Management ... Hilton’s strategies`): a bare `name` there is as likely that organisation. One search of the
    article (callers keep the answer per article: a long one asks again for every mention)."""
    return re.search(rf"(?<![^\W_]){re.escape(name)}{_ORG_AFTER.pattern}", text) is not None


def stands_alone(text: str, start: int, end: int) -> bool:
    """Not part of a longer proper name, a defined term, a dateline, a person or a product: no capitalised word
    right after (but a legal form or a bracket), none right before (but a sentence opener), no quote before."""
    after = text[end:end + 40]
    nxt = _NEXT_WORD.match(after)
    if nxt and nxt.group(1)[0].isupper() and not _LEGAL.match(after) and not _UNIT.match(after) and not (
            _HEADLINE.match(after) and title_line(text, start)):
        return False
    if after.startswith(("@", "+")) or _NOT_ALONE_AFTER.match(after):
        return False  # a product, a person, `Daytona 500`, `Leonardo da Vinci`, `Embry-Riddle`, `Austin, Texas`
    if text[start:end].isupper() and after[:2] in (", ", ",\t", ",\n") and _LINE_OPENING.search(
            "\n" + text[max(0, start - 80):start]):
        return False  # `WILMINGTON, NC` opening a line: a dateline
    before = text[max(0, start - 40):start]
    word = _blank_before(before)
    if word is not None and (word.endswith(_PARTICLES_BEFORE) and _PARTICLE_BEFORE.search(before) or
                             word.endswith(",") and _PLACE_BEFORE.search(before)):
        return False  # `da Vinci`, `California, Berkeley`: part of a person's or a place's name
    prev = _PREV_WORD_REVERSED.match(word[::-1]) if word else None
    if prev and prev.group()[-1].isupper() and prev.group()[::-1] not in _OPENERS and not _modifier(prev.group()):
        return False
    if before.endswith(("@", "#", "/", ".", "-")):
        return False  # `@Apple`, `www.apple`, `YXT.com`: a handle or an address
    quoted = before.endswith(('"', "“", "‘")) and after.startswith(('"', "”", "’"))
    return not quoted  # `(“CiTech”)`: a defined term (link() decides); `(TSMC)` too


def _modifier(reversed_word: str) -> bool:
    """A capitalised compound whose last part is lower case describes what follows, it doesn't name it:
    `Beijing-based Baidu`, `State-backed China Mobile`, `Nasdaq-listed Nvidia` (the word is given reversed)."""
    last, hyphen, _ = reversed_word.partition("-")
    return bool(hyphen) and last[-1:].islower()


def after_a_name(text: str, start: int) -> bool:
    """Written right after a capitalised word that opens no sentence, or after a nickname in quotes (`Anthony "Amp"
    Elmore`): the rest of a person's name."""
    word = _blank_before(text[max(0, start - 40):start])
    if not word:
        return False
    if word[-1] in "\"”’":
        return True
    prev = _FIRST_NAME_REVERSED.match(word[::-1])
    return bool(prev) and prev.group()[::-1] not in _OPENERS and not title_line(text, start)


def _blank_before(before: str) -> str | None:
    """`before` up to the spaces or tabs that end it (a newline after them too, as a regex's `$` allows), or None
    when it doesn't end in a space or tab."""
    tail = before[:-1] if before.endswith("\n") else before
    word = tail.rstrip(" \t")
    return word if len(word) < len(tail) else None


# How an article says where a market is: its country, people or cities, or the exchange's name.
MARKET_WORDS = {
    "CA": r"Canad|Toronto|Vancouver|Montreal|Calgary|Ontario|British Columbia|Quebec|Alberta|TSX|CSE",
    "GB": r"U\.?K\.?\b|Britain|British|England|English|London|Scotland|AIM\b|LSE\b",
    "HK": r"Hong Kong|China|Chinese|HKEX",
    "CN": r"China|Chinese|Shanghai|Shenzhen|Beijing",
    "JP": r"Japan|Tokyo|Osaka",
    "DE": r"German|Frankfurt|Munich|Berlin|XETRA|DAX",
    "FR": r"France|French|Paris",
    "NL": r"Netherlands|Dutch|Amsterdam",
    "BE": r"Belgi|Brussels",
    "CH": r"Switzerland|Swiss|Zurich|Geneva",
    "AU": r"Australia|Sydney|Melbourne|Perth|ASX",
    "IN": r"India|Mumbai|Bengaluru|Bangalore|Delhi",
    "KR": r"Korea|Seoul",
    "TW": r"Taiwan|Taipei",
    "IT": r"Ital|Milan",
    "ES": r"Spain|Spanish|Madrid",
    "SE": r"Swed|Stockholm",
    "DK": r"Denmark|Danish|Copenhagen",
    "FI": r"Finland|Finnish|Helsinki",
    "NO": r"Norw|Oslo",
    "ZA": r"South Africa|Johannesburg",
    "BR": r"Brazil|São Paulo|Sao Paulo",
    "MX": r"Mexic",
    "SG": r"Singapore",
    "IL": r"Israel|Tel Aviv",
    "NZ": r"New Zealand|Auckland",
    "IE": r"Ireland|Irish|Dublin",
    "PT": r"Portugal|Portuguese|Lisbon",
}


def speaks_of(text: str, venue_key: str) -> bool:
    """The article names the market's country, a city of it or the exchange (callers keep the answer per article:
    a cache keyed by the text would hold on to every article it saw, up to ENRICH_MAX_TEXT_BYTES each)."""
    venue = VENUES[venue_key]
    words = MARKET_WORDS.get(venue.country)
    return bool(words and re.search(words, text)) or venue.label in text


def sentence_start(text: str, at: int) -> bool:
    """The first word of a sentence, a line or a heading: its capital says nothing."""
    before = text[max(0, at - 40):at].rstrip(" \t*#>-")
    return at == 0 or not before and at <= 40 or bool(before) and before[-1] in ".!?:\n\"“”(•"


def title_line(text: str, at: int) -> bool:
    """A headline in title case (`Phone Giant Xiaomi Delivers 28,000 EVs`): capitals there say nothing."""
    start = text.rfind("\n", max(0, at - 300), at) + 1 if at > 300 else text.rfind("\n", 0, at) + 1
    end = text.find("\n", at, at + 300)
    if end < 0:
        end = len(text) if len(text) - at <= 300 else -1
    if end < 0 or (start == 0 and at > 300):
        return False  # no line break within 300 characters: a paragraph, not a headline
    return is_title(text[start:end])


@functools.lru_cache(maxsize=1024)
def is_title(line: str) -> bool:
    if len(line) > 300:
        return False  # a paragraph, not a headline
    words = _WORDS.findall(line)
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def context(text: str, start: int, end: int, symbol: str) -> str | None:
    """What in the text says a name is the company here, or None."""
    after = _SAID_AFTER.match(text, end, end + 60)  # one regex for the four things that can follow a name
    if after is not None and after.lastgroup == "legal":
        return "legal form"
    if after is not None and after.lastgroup == "unit":
        return "a unit of the company follows"
    if after is not None and after.lastgroup == "ticker" and symbols.canonical(after.group(TICKER_GROUP)) == symbol:
        return "its ticker follows"
    stop = _of_in_before(text, start)
    if stop is not None and _SHARES_BEFORE.search(text[max(0, start - 20):stop]):
        return "shares of"
    if after is not None and after.lastgroup == "verb":
        return VERB
    if after is not None and after.lastgroup == "possessive" and text[max(0, start - 4):start].lower() != "the ":
        return POSSESSIVE
    if after is not None and after.lastgroup == "backer":
        return BACKER
    if after is not None and after.lastgroup == "headline" and title_line(text, start):
        return HEADLINE  # `Target Reports Third Quarter Earnings`
    return None


def no_context(text: str, start: int, end: int) -> bool:
    """`context()` would answer None, asked for less: nothing that could say so follows, and no `of `/`in `
    before (most names)."""
    return _SAID_AFTER.match(text, end, end + 60) is None and _of_in_before(text, start) is None


def _of_in_before(text: str, start: int) -> int | None:
    """Where the words before a name end (before a newline, as `_SHARES_BEFORE`'s `$` allows) when they end in
    `of `/`in `, else None: the cheap half of the "shares of" question."""
    stop = start - 1 if start and text[start - 1] == "\n" else start
    return stop if text.endswith(_OF_IN, max(0, start - 20), stop) else None


# How `_SHARES_BEFORE` can end: `of ` or `in ` as its IGNORECASE matches them (`ı` and `İ` are an `i` to it too).
_OF_IN = tuple(f"{a}{b} " for a in "oOiIİı" for b in "fFnN")

# A possessive before a word (`Visa's digital payment ecosystem`, `Shell’s Powering Progress strategy`): what a
# company has, unless `the` opens it (`the Amazon's rainforest`, a river's).
POSSESSIVE = "a possessive follows"
VERB = "a company verb or noun follows"
BACKER = "it backs or owns what follows"
HEADLINE = "a headline's company verb follows"
LISTED = "listed with other companies"
_POSSESSIVE = re.compile(r"^(?:'s|’s)(?=[ \t]+\w)")

# The seven, tried in order at the name's end: they exclude one another (a legal form, a unit and a company verb are
# different words; a ticker opens with a bracket), so the first that matches is the one each alone would find.
_SAID_AFTER = re.compile("|".join(f"(?P<{name}>{pattern.pattern.removeprefix('^')})" for name, pattern in (
    ("legal", _LEGAL), ("unit", _UNIT), ("ticker", _TICKER_AFTER), ("verb", _AFTER), ("possessive", _POSSESSIVE),
    ("backer", _BACKER), ("headline", _HEADLINE))))
TICKER_GROUP = _SAID_AFTER.groupindex["ticker"] + 1  # the symbol: the ticker pattern's own first group
