# A comment before the feature: not part of anything.
@web @checkout
Feature: Checkout
  As a shopper
  I want to pay for my cart
  so that the goods are shipped to me.

  Background:
    Given the catalogue has these products:
      | sku  | name   | price |
      | A-1  | Apple  | 1.50  |
      | B-2  | Banana | 0.25  |
    And I am signed in as "alice"

  @smoke
  Scenario: Successful checkout
    # a comment between steps
    Given my cart holds 2 "A-1"
    When I pay with a valid card
    Then the order is confirmed
    And I receive an e-mail containing:
      """text/plain
      Thank you for your order, alice!
      Total: 3.00 "EUR" \ paid? yes
      """

  Scenario: Empty cart cannot be paid
    When I open the checkout
    Then I see the message "Your cart is empty"

  @regression
  Scenario Outline: Totals with discounts
    Given my cart holds <count> "<sku>"
    And the discount code "<code>" is applied
    Then the total is <total>

    @eu
    Examples: European codes
      | count | sku | code   | total |
      | 1     | A-1 | EU10   | 1.35  |
      | 4     | B-2 | EU10   | 0.90  |

    @us @promo
    Examples: US codes
      | count | sku | code   | total |
      | 2     | A-1 | US5    | 2.85  |

  Scenario: Order summary as JSON
    When I request the order summary
    Then the response is:
      ```json
      {"items": 2, "total": "3.00"}
      ```
    And the log has an empty note:
      """
      """

# a trailing comment after the last scenario: not part of its line range
