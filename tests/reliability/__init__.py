"""Reliability and security suites (issue 9): crash, concurrency, printer faults, bad input, privacy, backups."""
