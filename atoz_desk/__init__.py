"""AtoZ Desk: the workbench for A-to-z Guarantee property-damage and personal-injury claims."""

__version__ = "0.1.0"
