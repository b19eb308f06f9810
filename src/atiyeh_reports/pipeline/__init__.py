"""The yearly build: what to rebuild, the engine that runs the notebooks, the output folders."""
