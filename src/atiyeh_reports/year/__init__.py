"""The year, loaded once and handed on: parameters, clean tables, history years, HQ's record."""
