"""The secretariat's web console (`intake web`): review, decide and answer in a browser.

It reads and writes the same store as the pipeline; every decision is
recorded in `console_decision` (store/console.py) and shown in the
registration's history and in the next digest.
"""
