"""Turning results into text: colours, tables, JSON/YAML documents and the printer."""
