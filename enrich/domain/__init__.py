"""The pure core: extraction, venues, symbols and verdicts; standard library only."""
