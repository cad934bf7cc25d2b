"""Tools for operators: the `convene` command."""
