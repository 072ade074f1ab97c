"""Stage 6, recording: what the store already knows about a mail (`history`, `repeats`),
and the decision written down with its reply queued, in one transaction (`write`)."""
