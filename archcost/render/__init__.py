"""Renderers: a report in, text out. Each format is built here, never in the CLI."""
