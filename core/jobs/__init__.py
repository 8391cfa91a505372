"""Background jobs: brokers, manifest-declared actors, job runs, schedules, idempotency."""
