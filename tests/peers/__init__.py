"""Real network peers for tests: a throwaway Dovecot and an SMTP capture.

Tests talk to real servers on loopback instead of mocks, so the code under
test meets real protocol behaviour (NOTES.md "A throwaway Dovecot for tests").
"""
