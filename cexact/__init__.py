"""cexact: Copy EXACTLY! recipe comparison for mother lines and child sites."""

__version__ = "0.1.0"
