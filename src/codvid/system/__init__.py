"""Service-level routes (health check)."""
