"""Reading: the strict YAML loader, the parse cache, git sources, schemas, validation, units."""
