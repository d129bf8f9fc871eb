"""The events the orders app publishes: its public contract (pure data, no Django)."""
