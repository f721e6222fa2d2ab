Feature: Outlines at the edges
  Scenario Outline: No rows yet
    Given a value <v>

    Examples:
      | v |

  Scenario Outline: Written as an outline but without Examples
    Given a plain step
