"""The results panel: previews of what came back, and saving, rating, delivering, deleting it."""
