"""Importers of real complaint formats (``tousu import FORMAT FILE``) and their bookkeeping."""
