"""Data files shipped with the companies app (regions.csv: see scripts/build_regions.py)."""
