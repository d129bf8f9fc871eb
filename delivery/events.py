"""The events the delivery app publishes: its public contract (pure data, no Django)."""
