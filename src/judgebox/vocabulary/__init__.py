"""The words every layer shares: verdicts, limits, events, errors. Imports nothing of ours."""
