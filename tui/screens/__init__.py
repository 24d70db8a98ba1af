"""The explorer's screens; each imported when first opened."""
