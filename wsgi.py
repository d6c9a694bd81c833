"""The WSGI entry point for production servers: ``gunicorn -w 4 -b 127.0.0.1:8000 wsgi:app``.

The only module that builds an app at import time; configure it with ``TRADEROW_*``
variables (a real ``TRADEROW_SECRET_KEY`` at least). Run one ``traderow worker`` beside the
web processes: it is the only writer of the search index.
"""

from marketplace import create_app

app = create_app()
