"""Alerts by webhook: a user's subscriptions, the events a finished scrape raises (a run's
end, new posts, follower milestones, unusual growth, reels taking off), and their signed,
retried deliveries.

Tracking tells this package that a run ended through its port
(:class:`codvid.tracking.ports.RunObserver`); the observer here only records what is to
be sent in an outbox collection, and the scheduler role sends it (:mod:`.delivery`).
"""
