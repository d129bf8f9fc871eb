"""The events the notifications app publishes: its public contract (pure data, no Django)."""
