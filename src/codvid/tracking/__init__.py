"""Instagram tracking: profile tasks, reel tasks, their status and sentiment."""
