"""Pure claims-program rules: no Qt, no SQL."""
