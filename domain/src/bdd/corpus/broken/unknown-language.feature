# language: xx-nope
Feature: Unknown dialect
  Scenario: Never parsed
    Given anything
