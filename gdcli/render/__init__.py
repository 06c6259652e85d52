"""Presentation: results to Rich tables, JSON, CSV and PNG; progress bars; atomic file writes."""
