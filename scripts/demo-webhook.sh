#!/usr/bin/env bash
# `make run`: points the local Stripe test server's webhooks at the origin, for the demo
# organisation's test account (its id read from the embedded SQLite database), as an organiser
# does in Stripe's dashboard. Usage: demo-webhook.sh STRIPE_BASE ORIGIN SQLITE_FILE
set -euo pipefail
stripe=$1 origin=$2 db=$3
organisation=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT organiser_id FROM events WHERE slug = 'stampede-live'\").fetchone()[0])" "$db")
curl -fsS -X POST "$stripe/_config/webhooks/stampede-demo" \
  --data-urlencode "url=$origin/api/payments/stripe/$organisation/webhook" \
  --data-urlencode "secret=whsec_stampede_demo" >/dev/null
