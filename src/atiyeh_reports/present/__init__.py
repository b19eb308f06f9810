"""Presentation without domain rules: number formatting, tables, charts, fonts, privacy checks
and the HTML/PDF renderer."""
