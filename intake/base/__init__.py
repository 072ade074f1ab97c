"""The vocabulary every floor shares: the data passed between stages (`model`), the
settings (`config`), time (`timefmt`), text (`text`) and fonts (`fonts`). Imports nothing
of the product above it."""
