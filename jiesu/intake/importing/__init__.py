"""Bulk import of historical orders from city-platform exports (CSV or XLSX)."""
