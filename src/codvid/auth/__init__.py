"""Sign-up, log-in and the JWT that identifies the caller on every protected route."""
