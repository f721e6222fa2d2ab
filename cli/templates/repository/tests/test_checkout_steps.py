"""Step definitions of features/checkout.feature; `scenarios` turns each scenario into a test."""

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from {{package}} import Cart, apply_discount

scenarios("checkout.feature")


@given("an empty cart", target_fixture="checkout")
def empty_cart():
    return {"cart": Cart(), "discount": 0}


@when(parsers.parse('I add {quantity:d} "{sku}" at {price:f}'))
def add_items(checkout, quantity, sku, price):
    checkout["cart"].add(sku, price, quantity)


@when(parsers.parse("I apply a {percent:d} percent discount"))
def apply_percent(checkout, percent):
    checkout["discount"] = percent


@then(parsers.parse("the total is {total:f}"))
def total_is(checkout, total):
    assert apply_discount(checkout["cart"].total(), checkout["discount"]) == pytest.approx(total)
