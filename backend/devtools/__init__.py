"""Development tools that are not part of the app package (run from backend/: python -m devtools.<tool>)."""
