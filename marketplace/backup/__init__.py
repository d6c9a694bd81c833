"""``traderow backup`` and ``traderow restore``: an embedded instance as one .tar.gz, and back."""
