"""Feedloop's write paths. Every adapter (API, pages, admin, tasks, commands) calls these."""
