"""A shopping cart: lines of (unit price, quantity) by SKU."""


class Cart:
    def __init__(self):
        self._lines = {}

    def add(self, sku, price, quantity=1):
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        _, current = self._lines.get(sku, (price, 0))
        self._lines[sku] = (price, current + quantity)

    def remove(self, sku):
        self._lines.pop(sku, None)

    def count(self):
        return sum(quantity for _, quantity in self._lines.values())

    def total(self):
        return round(sum(price * quantity for price, quantity in self._lines.values()), 2)
