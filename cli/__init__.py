"""Quick-lookup and maintenance commands (search, show, stats, export, check, migrate)."""
