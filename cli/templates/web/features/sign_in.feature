Feature: Sign in
  Visitors sign in with their name and are welcomed by it.

  Scenario: A visitor is welcomed by name after signing in
    Given the sign-in page is open
    When I sign in as "Ada"
    Then the page says "Welcome, Ada"
