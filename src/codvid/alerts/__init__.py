"""Alerts by webhook: subscriptions, the events a scrape raises, and their signed,
retried deliveries."""
