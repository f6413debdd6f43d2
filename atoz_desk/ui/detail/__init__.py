"""The claim detail: a header, the actions the user may take, and one tab per aspect of the claim."""
