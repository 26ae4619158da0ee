"""Screens only staff with a supervisor's role use (review queue)."""
