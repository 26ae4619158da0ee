"""Performance suite for township scale (run with `make bench`)."""
