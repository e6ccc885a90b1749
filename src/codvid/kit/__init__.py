"""Small helpers shared by every domain."""
