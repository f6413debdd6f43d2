"""Reports layer (see DESIGN.md)."""
