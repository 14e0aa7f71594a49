"""The JSON Schemas of cexact's file formats, shipped inside the package as data."""
