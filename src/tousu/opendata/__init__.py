"""Open data: a daily bulk file of every public complaint (public copy only), CSV and JSON Lines,
with a versioned schema (docs/open-data.md), checksums and stable addresses."""
