"""The explorer: a Textual TUI over the store (read-only). Imported only when the explorer starts."""
