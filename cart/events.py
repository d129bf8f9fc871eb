"""The events the cart app publishes: its public contract (pure data, no Django)."""
