#!/usr/bin/env bash
# rxgate from nothing: packages, build, local PostgreSQL, schema, demo plan, development
# certificates, then `rxgate serve` in the foreground (Ctrl-C stops it; PostgreSQL keeps running
# until `deploy/pg.sh stop`).
#
#   deploy/run.sh
#
# Safe to run again. Environment: RXGATE_PG_PORT (default 55432), RXGATE_LISTEN (default
# 127.0.0.1:8443).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

deploy/setup.sh release
readonly RXGATE=build/release/server/rxgate

deploy/pg.sh start
DSN=$(deploy/pg.sh dsn)
"$RXGATE" migrate --dsn "$DSN"
"$RXGATE" plan check config/plans
config/tls/make-dev-certs.sh .local/tls
# Samples dated today: the demo plan rejects claims older than 90 days (81).
python3 config/samples/make-samples.py .local/samples >/dev/null

listen=${RXGATE_LISTEN:-127.0.0.1:8443}
cat <<MSG

rxgate is starting on https://${listen} with the demo plan (config/plans/demo, synthetic data).
Send the sample claims (config/samples, remade with today's date in .local/samples) from
another terminal, in file-name order:

  ${RXGATE} submit --url https://${listen}/ncpdp --ca .local/tls/ca.crt .local/samples/01-paid.d0
  for f in .local/samples/*.d0; do ${RXGATE} submit --url https://${listen}/ncpdp --ca .local/tls/ca.crt "\$f"; done

Decode any D.0 file:            ${RXGATE} decode .local/samples/01-paid.d0
Dry-run a claim against plans:  ${RXGATE} adjudicate --plans config/plans .local/samples/01-paid.d0
Metrics:                        curl --cacert .local/tls/ca.crt -H "Authorization: Bearer <operator token>" https://${listen}/metrics
Traffic from simulated pharmacies:
  ${RXGATE} load --url https://${listen}/ncpdp --ca .local/tls/ca.crt --rate 40

Operator dashboard  https://${listen}/dashboard   (token: ${RXGATE} token create --dsn "${DSN}" --name ops --role operator)
Technician console  https://${listen}/console     (token: ${RXGATE} token create --dsn "${DSN}" --name tech --role technician --pharmacy 1111111112)
The pages ask for the token; the development CA is .local/tls/ca.crt.

MSG
export RXGATE_DSN=$DSN
exec "$RXGATE" serve --config config/rxgate.toml
