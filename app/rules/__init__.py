"""Pure-Python rules of the programme: no Flask imports here (see DEVELOPERS.md)."""
