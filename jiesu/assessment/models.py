"""Models of the assessment app."""
