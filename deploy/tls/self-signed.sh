#!/usr/bin/env bash
# Writes a self-signed certificate and its key for nginx (deploy/nginx/nginx.conf reads
# tls/cert.pem and tls/key.pem next to it; compose mounts this directory there). For a
# laptop, a trial or a venue's LAN: clients must be told to trust it. Production takes
# a certificate from a CA instead (deploy/README.md, "TLS").
#
#   deploy/tls/self-signed.sh                              # into deploy/tls/
#   deploy/tls/self-signed.sh --host brigade.lan --host 192.168.1.20
#   BRIGADE_TLS_HOSTS="brigade.lan pos.local" deploy/tls/self-signed.sh /some/dir
#
# EC P-256 key (mode 0600), SHA-256 signature, names: localhost, 127.0.0.1, ::1 and
# every --host / BRIGADE_TLS_HOSTS entry. An existing pair is kept unless --force.
set -euo pipefail

usage() {
  cat <<EOF
Usage: $(basename "$0") [--host NAME]... [--days N] [--force] [DIR]

Writes DIR/cert.pem and DIR/key.pem (default DIR: $(dirname "$0")), a self-signed
certificate for localhost, 127.0.0.1, ::1 and the extra names given.

Options:
  --host NAME  one more DNS name or IP address the certificate is valid for
               (repeatable; also BRIGADE_TLS_HOSTS, names separated by spaces or commas)
  --days N     validity in days (default 365; Apple devices refuse more than 825)
  --force      replace an existing pair
  -h, --help   this help
EOF
}

die() {
  printf '%s: %s\n' "$(basename "$0")" "$*" >&2
  exit 1
}

dir=
days=365
force=0
hosts=()
# Word splitting on purpose: the variable is a list of names.
IFS=', ' read -r -a hosts <<<"${BRIGADE_TLS_HOSTS:-}"
while (($#)); do
  case $1 in
    --host)
      [[ $# -ge 2 ]] || die "--host needs a name"
      hosts+=("$2")
      shift
      ;;
    --days)
      [[ $# -ge 2 && $2 =~ ^[1-9][0-9]{0,3}$ ]] || die "--days needs a number of days (1-9999)"
      days=$2
      shift
      ;;
    --force) force=1 ;;
    -h | --help)
      usage
      exit 0
      ;;
    -*) die "unknown option $1 (see --help)" ;;
    *)
      [[ -z $dir ]] || die "one directory only (see --help)"
      dir=$1
      ;;
  esac
  shift
done
dir=${dir:-$(dirname "$0")}

command -v openssl >/dev/null 2>&1 || die "openssl is not installed (apt-get install -y openssl)"

# subjectAltName entries. Names end up in an openssl config file: only characters a
# host name or an address can hold get there, so no name can inject a config line.
san=("DNS:localhost" "IP:127.0.0.1" "IP:::1")
for h in "${hosts[@]}"; do
  [[ -n $h ]] || continue
  if [[ $h =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ || ($h == *:* && $h =~ ^[0-9A-Fa-f:.]+$) ]]; then
    entry="IP:$h"
  elif [[ $h =~ ^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$ ]]; then
    entry="DNS:$h"
  else
    die "'$h' is neither a host name nor an IP address"
  fi
  [[ " ${san[*]} " == *" $entry "* ]] || san+=("$entry")
done
# The subject names the first extra name, or localhost; clients only look at the SANs.
cn=${san[3]:-DNS:localhost}
cn=${cn#*:}

mkdir -p -- "$dir"
dir=$(cd -- "$dir" && pwd)
cert=$dir/cert.pem
key=$dir/key.pem
if ((!force)) && [[ -e $cert || -e $key ]]; then
  die "$cert or $key already exists: kept (--force replaces the pair)"
fi

# Written next to the targets, then renamed over them: nginx never reads half a pair,
# and the key is never readable by others, not even for a moment (umask, mktemp).
umask 077
work=$(mktemp -d "$dir/.self-signed.XXXXXX")
trap 'rm -rf "$work"' EXIT
(
  IFS=,
  cat >"$work/openssl.cnf" <<EOF
[req]
distinguished_name = dn
x509_extensions = leaf
prompt = no
[dn]
CN = $cn
O = Brigade (self-signed, local use)
[leaf]
# A server certificate, not a CA: Firefox refuses a CA certificate used by a server.
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = ${san[*]}
EOF
)
openssl req -x509 -new -config "$work/openssl.cnf" -sha256 -days "$days" \
  -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>"$work/err" || {
  cat "$work/err" >&2
  die "openssl could not create the certificate"
}
chmod 600 "$work/key.pem"
chmod 644 "$work/cert.pem"
mv -f "$work/key.pem" "$key"
mv -f "$work/cert.pem" "$cert"

names=$(IFS=,; printf '%s' "${san[*]}")
cat <<EOF
Wrote a self-signed pair (EC P-256, valid $days days):
  $cert  (mode 644)
  $key  (mode 600)
  names:   ${names//,/, }
  expires: $(openssl x509 -in "$cert" -noout -enddate | cut -d= -f2)
  sha256:  $(openssl x509 -in "$cert" -noout -fingerprint -sha256 | cut -d= -f2)

Clients refuse it until they trust it (local use only; never in production):
  curl:          curl --cacert $cert https://localhost/health/live
  Debian/Ubuntu: sudo cp $cert /usr/local/share/ca-certificates/brigade-local.crt && sudo update-ca-certificates
  macOS:         sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain $cert
  browsers, tablets: import cert.pem as a trusted certificate (Firefox keeps its own store)
nginx reads it at start or on reload: docker compose -f deploy/compose.yaml exec nginx nginx -s reload
EOF
