"""Event mode in the window: a watched folder, its counters and its latest result."""
