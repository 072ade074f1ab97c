"""Helpers of scripts/benchmark.py (fixture cache, floor, proxy, mailbox set-up)."""
