"""The events the analytics app publishes: its public contract (pure data, no Django)."""
