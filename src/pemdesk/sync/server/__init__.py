"""The sync server: a FastAPI app over a store on SQLite (default) or PostgreSQL."""
