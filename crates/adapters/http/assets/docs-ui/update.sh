#!/usr/bin/env bash
# Re-vendor the Swagger UI assets in this folder from the npm package
# swagger-ui-dist. Usage (from anywhere):
#
#   bash update.sh 5.x.y
#
# Needs npm and access to the npm registry. Touches only the files of this
# folder: swagger-ui-bundle.js, swagger-ui.css, LICENSE, NOTICE,
# swagger-ui-bundle.js.LICENSE.txt and the
# "Vendored version:" line of README.md. index.html and init.js are ours and
# are left alone; review them (and README.md's URL audit) after a bump.
set -euo pipefail

if [[ $# -ne 1 || ! $1 =~ ^5\.[0-9]+\.[0-9]+$ ]]; then
  echo "usage: bash update.sh 5.x.y  (an exact swagger-ui-dist 5.x version)" >&2
  echo "a new major version needs init.js and index.html reviewed by hand" >&2
  exit 2
fi
version=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# npm pack only downloads the tarball: nothing is installed and no package
# script runs (so swagger-ui-dist's install-time analytics never run either).
tgz=$(cd "$tmp" && npm pack --silent --ignore-scripts "swagger-ui-dist@$version")
tar -xzf "$tmp/$tgz" -C "$tmp"
pkg=$tmp/package

got=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg/package.json" | head -n 1)
if [[ $got != "$version" ]]; then
  echo "update.sh: asked for $version but the tarball is $got" >&2
  exit 1
fi

# Drop the source-map comment lines (the maps are not shipped); every other
# byte is copied as is.
sed '/^\/\/# sourceMappingURL=[^ ]*$/d' "$pkg/swagger-ui-bundle.js" >"$tmp/swagger-ui-bundle.js"
sed '/^\/\*# sourceMappingURL=[^ ]* *\*\/$/d' "$pkg/swagger-ui.css" >"$tmp/swagger-ui.css"
for f in swagger-ui-bundle.js swagger-ui.css; do
  if tail -c 1024 "$tmp/$f" | grep -q 'sourceMappingURL'; then
    echo "update.sh: $f still ends with a sourceMappingURL comment; adjust the sed pattern" >&2
    exit 1
  fi
done

cp "$tmp/swagger-ui-bundle.js" "$tmp/swagger-ui.css" "$here/"
cp "$pkg/LICENSE" "$here/LICENSE"
# The licences of the third-party code inside the bundle.
cp "$pkg/swagger-ui-bundle.js.LICENSE.txt" "$here/"
if [[ -f $pkg/NOTICE ]]; then
  cp "$pkg/NOTICE" "$here/NOTICE"
else
  rm -f "$here/NOTICE"
fi

if ! grep -q '^Vendored version: swagger-ui-dist@' "$here/README.md"; then
  echo "update.sh: README.md has no 'Vendored version: swagger-ui-dist@' line" >&2
  exit 1
fi
sed -i "s/^Vendored version: swagger-ui-dist@.*/Vendored version: swagger-ui-dist@$version/" "$here/README.md"

echo "vendored swagger-ui-dist@$version into $here"
wc -c "$here/swagger-ui-bundle.js" "$here/swagger-ui.css"
echo "now redo the URL audit described in README.md and review init.js"
