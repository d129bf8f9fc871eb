"""The events the payments app publishes: its public contract (pure data, no Django)."""
