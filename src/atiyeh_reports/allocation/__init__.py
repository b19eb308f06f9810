"""Step 4: the credit allocation to the 31 provinces (ابلاغ اعتبار), HQ's record of it, and the
notification workbook (allocation.ipynb)."""
