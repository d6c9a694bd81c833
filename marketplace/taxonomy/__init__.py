"""The category tree (ground floor): the Category model and its seeding from the Google taxonomy."""
