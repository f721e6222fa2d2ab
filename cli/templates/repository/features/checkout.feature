@checkout
Feature: Checkout
  Shoppers pay for what is in their cart, discounts included.

  Background:
    Given an empty cart

  @smoke
  Scenario: Paying for a single item
    When I add 1 "book" at 12.50
    Then the total is 12.50

  @regression
  Scenario Outline: Discounted totals
    When I add <quantity> "<sku>" at <price>
    And I apply a <percent> percent discount
    Then the total is <total>

    Examples:
      | quantity | sku  | price | percent | total |
      | 1        | book | 20.00 | 10      | 18.00 |
      | 2        | pen  | 1.50  | 0       | 3.00  |
      | 4        | mug  | 7.25  | 50      | 14.50 |
