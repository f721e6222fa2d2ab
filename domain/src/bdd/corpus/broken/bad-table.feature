Feature: A broken table

  Scenario: Fine
    Given a step

  Scenario: Rows of different widths
    Given a table:
      | a | b |
      | 1 |
    And another
  Scenario: After the error
    Given a step
    Rule oops
