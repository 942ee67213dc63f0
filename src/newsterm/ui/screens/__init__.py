"""Screens and modal dialogs, one module each."""
