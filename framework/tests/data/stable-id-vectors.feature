# language: en
@checkout
Feature: Checkout
  Shoppers pay for what is in their cart.

  Background:
    Given a cart with 2 items

  # a comment above the tags
  @smoke @fast
  Scenario: Pay by card
    When the shopper pays with:
      | method | card |
      | amount | 20   |
    Then the receipt says
      """
      Paid 20
      Thank you
      """

  # a comment between scenarios
  Scenario Outline: Pay <amount> in <currency>
    When the shopper pays <amount> in <currency>
    Then the total is <amount>

    @eu
    Examples: euro
      | amount | currency |
      | 10     | EUR      |
      | 20     | EUR      |

    Examples: dollar
      | amount | currency |
      | 5      | USD      |

  Scenario: Empty note — ünïcode ½
    Then the note is
      """
      """

  Rule: Refunds
    Example: Refund a payment
      Given a paid order
      Then a refund is possible
