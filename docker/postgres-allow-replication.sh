#!/bin/sh
# Run once by the postgres image at the primary's first start (docker-entrypoint-initdb.d):
# the replica (docker-compose.yml, postgres-replica) connects for replication, which the
# image's "host all all all" line does not cover. The compose network is private to the stack.
set -e
echo "host replication ${POSTGRES_USER:-postgres} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
