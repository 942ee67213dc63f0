"""The Textual user interface. Import `newsterm.ui.app.NewstermApp` to run it."""
