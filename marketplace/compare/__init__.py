"""Side-by-side comparison of up to four products of one category."""
