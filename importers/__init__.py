"""Importers: one Click command per format. Each parses and validates, then writes through `store`."""
