"""Judging a submission: compile once, run each case in the sandbox, check its output."""
