"""Allow ``python -m marketplace`` as well as the ``traderow`` console script."""

from marketplace.cli import main

main()
