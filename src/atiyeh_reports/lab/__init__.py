"""For analysts in JupyterLab: finding the project, views without names or IDs, a province, two
years compared, any table to Excel."""
