"""One module per command core, named as the command: each returns one frozen result."""
