"""The domain-event bus: transactional outbox, deliveries, inbox, dead letters."""
