"""Persistence: SQLModel tables and the repository over them."""
from store.db import Store, StoreError

__all__ = ["Store", "StoreError"]
