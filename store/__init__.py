"""The data layer: the only place SQL lives.

Importing this package is cheap (no sqlite-utils, no Textual): CLI quick lookups depend on it.
"""

from store.errors import DatabaseUnavailable, DataError, StoreError

__all__ = ["DataError", "DatabaseUnavailable", "StoreError"]
