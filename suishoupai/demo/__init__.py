"""Demo data for trying the mini-program flows at once."""
