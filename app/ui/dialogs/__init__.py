"""Dialogs of the main window: the API key (welcome) dialog and the create confirmation."""
