"""The mathematics: pure functions returning frozen result dataclasses. No printing, no CLI."""
