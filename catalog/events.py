"""The events the catalog app publishes: its public contract (pure data, no Django)."""
