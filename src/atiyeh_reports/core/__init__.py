"""Facts and rules every step shares: text, calendar, IDs, provinces, words, parameters, paths,
provenance. No module here opens a workbook; nothing here imports a higher layer."""
