"""{{name}}: a small shop the example tests exercise. Replace it with (a client of) your own system."""

from {{package}}.cart import Cart
from {{package}}.pricing import apply_discount, shipping_cost

__all__ = ["Cart", "apply_discount", "shipping_cost"]
