import pytest

from {{package}} import apply_discount, shipping_cost


@pytest.mark.regression
@pytest.mark.parametrize("amount,percent,expected", [(100, 10, 90.0), (80, 25, 60.0), (19.99, 0, 19.99)])
def test_apply_discount(amount, percent, expected):
    assert apply_discount(amount, percent) == expected


@pytest.mark.regression
def test_rejects_a_discount_over_100_percent():
    with pytest.raises(ValueError):
        apply_discount(10, 120)


@pytest.mark.smoke
def test_free_shipping_over_the_threshold():
    assert shipping_cost(50) == 0.0


def test_standard_shipping_below_the_threshold():
    assert shipping_cost(49.99) == 4.99
