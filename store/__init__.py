"""Persistence: SQLModel tables and the repository over them."""
from store.db import Store, StoreError, is_set_up

__all__ = ["Store", "StoreError", "is_set_up"]
