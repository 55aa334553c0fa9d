"""Tests for the market-data adapters."""
