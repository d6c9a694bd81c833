"""Files that one process writes and another reads (uploaded price lists, fetched feeds, import progress)."""
