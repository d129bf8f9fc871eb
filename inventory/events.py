"""The events the inventory app publishes: its public contract (pure data, no Django)."""
