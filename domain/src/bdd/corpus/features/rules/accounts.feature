@accounts
Feature: Accounts
  Background:
    Given the sign-up service is up

  @signup
  Rule: A new account needs a unique e-mail
    Background:
      Given no account exists for "bob@example.test"

    Example: Sign up with a fresh e-mail
      When I sign up as "bob@example.test"
      Then an account exists for "bob@example.test"

    Example: Sign up twice
      Given I signed up as "bob@example.test"
      When I sign up as "bob@example.test"
      Then I am told the e-mail is taken

  Rule: Passwords must be strong

    @security
    Scenario Outline: Weak passwords are refused
      When I choose the password "<password>"
      Then I am told "<reason>"

      Examples:
        | password | reason         |
        | abc      | too short      |
        | password | too common     |
        | 12345678 | no letters     |

      @edge
      Examples: Empty
        | password | reason    |
        |          | required  |

    Scenario: A strong password is accepted
      When I choose the password "c0rrect-h0rse"
      Then my account is created
