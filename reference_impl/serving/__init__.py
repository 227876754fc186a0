"""Running the app: command line, Granian, the embedded test server, demo users, private files."""
