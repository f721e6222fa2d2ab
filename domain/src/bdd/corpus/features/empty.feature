# Only a comment: valid Gherkin, no feature.
