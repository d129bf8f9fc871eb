"""Cart use cases: keeping projections, changing carts, checking out."""
