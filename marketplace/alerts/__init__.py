"""Favourites, price alerts and saved searches: what a person watches, and telling them when it moves."""
