"""Personal data: the access log of every reveal of someone else's contact."""
