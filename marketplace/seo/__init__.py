"""What search engines read: robots.txt, the sitemaps, canonical links, slugs and structured data."""
