"""Scrape jobs: the durable run registry, the pipelines, the broker, scheduler and sweeper."""
