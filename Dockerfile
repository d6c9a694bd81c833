# The TradeRow image for docker-compose.yml: the locked packages, then the project, as a user of its own.
# Not built on the project's machines (no Docker daemon there).
FROM python:3.11-slim
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e . \
    && useradd --system --home /srv/traderow traderow \
    && mkdir -p /srv/traderow && chown traderow /srv/traderow
USER traderow
EXPOSE 8000
CMD ["gunicorn", "-w", "4", "-b", "0.0.0.0:8000", "wsgi:app"]
