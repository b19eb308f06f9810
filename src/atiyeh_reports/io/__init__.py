"""The only code that opens or writes workbooks: the one reproducible, formula-safe writer and
how its sheets print."""
