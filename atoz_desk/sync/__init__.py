"""Sync layer (see DESIGN.md)."""
