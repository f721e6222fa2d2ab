"""Discounts and shipping."""

FREE_SHIPPING_THRESHOLD = 50
STANDARD_SHIPPING = 4.99


def apply_discount(amount, percent):
    if not 0 <= percent <= 100:
        raise ValueError("percent must be between 0 and 100")
    return round(amount * (100 - percent) / 100, 2)


def shipping_cost(total):
    return 0.0 if total >= FREE_SHIPPING_THRESHOLD else STANDARD_SHIPPING
