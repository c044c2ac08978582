#!/usr/bin/env bash
# Checks deploy/tls/self-signed.sh in a temporary directory: the pair it writes (EC
# P-256, key mode 600, the names asked for, a server certificate that verifies as its
# own trust anchor), that it keeps an existing pair unless --force, and that it refuses
# a name that is not one. Run by deploy/check.sh; needs openssl.
set -euo pipefail

script=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../tls" && pwd)/self-signed.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dir=$work/tls
cert=$dir/cert.pem
key=$dir/key.pem

# shellcheck source=test/expect.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/expect.sh"
fingerprint() { openssl x509 -in "$cert" -noout -fingerprint -sha256; }
has() { grep -qF -- "$1" <<<"$2"; }

if ! out=$(BRIGADE_TLS_HOSTS="brigade.test, pos.test" bash "$script" --host 192.0.2.7 "$dir" 2>&1); then
  printf '%s\nFAIL  self-signed.sh wrote no pair\n' "$out"
  exit 1
fi
printf 'ok    self-signed.sh wrote a pair\n'

key_text=$(openssl pkey -in "$key" -noout -text)
expect "the key is EC P-256" has "prime256v1" "$key_text"
expect "the key is mode 600" test "$(stat -c %a "$key")" = 600
sans=$(openssl x509 -in "$cert" -noout -ext subjectAltName)
for name in DNS:localhost "IP Address:127.0.0.1" "IP Address:0:0:0:0:0:0:0:1" \
  DNS:brigade.test DNS:pos.test "IP Address:192.0.2.7"; do
  expect "the certificate names $name" has "$name" "$sans"
done
expect "a server certificate, not a CA" has "CA:FALSE" "$(openssl x509 -in "$cert" -noout -ext basicConstraints)"
expect "it verifies as its own trust anchor, for a TLS server" \
  openssl verify -CAfile "$cert" -purpose sslserver "$cert"
expect "it prints where it wrote and how to trust it" has "curl --cacert $cert" "$out"

before=$(fingerprint)
expect "an existing pair is kept without --force" fails bash "$script" "$dir"
expect "... unchanged" test "$(fingerprint)" = "$before"
expect "--force replaces it" bash "$script" --force "$dir"
expect "... with a new certificate" test "$(fingerprint)" != "$before"
expect "a name with a comma or a space is refused" fails bash "$script" --force --host 'a,DNS:evil' "$work/other"
expect "... and nothing is written" test ! -e "$work/other/cert.pem"

((failed == 0))
