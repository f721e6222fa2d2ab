import pytest

from {{package}} import Cart


@pytest.mark.smoke
def test_empty_cart_has_zero_total():
    assert Cart().total() == 0


@pytest.mark.smoke
def test_adding_items_updates_the_total():
    cart = Cart()
    cart.add("book", 12.5)
    cart.add("pen", 1.5, quantity=2)
    assert cart.total() == 15.5
    assert cart.count() == 3


@pytest.mark.regression
def test_removing_an_item():
    cart = Cart()
    cart.add("book", 12.5)
    cart.remove("book")
    assert cart.count() == 0


@pytest.mark.regression
def test_rejects_a_non_positive_quantity():
    with pytest.raises(ValueError):
        Cart().add("book", 12.5, quantity=0)
