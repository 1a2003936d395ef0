"""The pages. Thin views: read through selectors, write through jiesu.workorders.services."""
