#!/usr/bin/env bash
# Development TLS material for rxgate: a throwaway CA, a server certificate for localhost and
# 127.0.0.1, and client certificates for mutual TLS. Never use these anywhere but a dev box.
#
#   config/tls/make-dev-certs.sh OUTDIR
#
# Writes into OUTDIR (created if missing):
#   ca.crt ca.key                     the development CA
#   server.crt server.key             CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1
#   client-demo.crt client-demo.key   CN=demo-pharmacy (maps to the demo pharmacies in rxgate.toml)
#   client-other.crt client-other.key CN=other-pharmacy (a pharmacy with other provider IDs)
#   rogue-ca.crt rogue-client.crt rogue-client.key   a client signed by an unknown CA (tests)
# Safe to run twice: existing files are kept, so running servers and clients keep working.
# Keys are ECDSA P-256 (cheap handshakes, see shared notes on machine limits).
set -euo pipefail

out=${1:?usage: make-dev-certs.sh OUTDIR}
mkdir -p "$out"
cd "$out"
umask 077

days=825
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [[ ! -s ca.crt || ! -s ca.key ]]; then
  newkey ca.key
  openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/O=rxgate development/CN=rxgate dev CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.crt
fi

# sign NAME SUBJECT EXTENSIONS CA_CERT CA_KEY
sign() {
  local name=$1 subject=$2 ext=$3 ca_crt=${4:-ca.crt} ca_key=${5:-ca.key}
  [[ -s $name.crt && -s $name.key ]] && return 0
  newkey "$name.key"
  openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr"
  printf '%s\n' "$ext" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$ca_crt" -CAkey "$ca_key" -CAcreateserial -days "$days" -sha256 \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

sign server "/O=rxgate development/CN=localhost" \
  "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"

client_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
sign client-demo "/O=rxgate development/CN=demo-pharmacy" "$client_ext
subjectAltName=DNS:demo-pharmacy.rxgate.test"
sign client-other "/O=rxgate development/CN=other-pharmacy" "$client_ext
subjectAltName=DNS:other-pharmacy.rxgate.test"

if [[ ! -s rogue-ca.crt || ! -s rogue-ca.key ]]; then
  newkey rogue-ca.key
  openssl req -x509 -new -key rogue-ca.key -sha256 -days 3650 -subj "/CN=unknown CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" -out rogue-ca.crt
fi
sign rogue-client "/CN=demo-pharmacy" "$client_ext" rogue-ca.crt rogue-ca.key

chmod 600 ./*.key
chmod 644 ./*.crt
echo "make-dev-certs: TLS material in $(pwd)" >&2
