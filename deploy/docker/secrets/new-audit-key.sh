#!/bin/sh
# Writes a new ECDSA P-256 private key to audit-signing-key.pem next to this script, for deploy/docker/compose.yaml
# (Mesh:Audit:SigningKeyFile). Every silo signs its audit checkpoints with it, so every silo can verify the others'
# checkpoints. Keep it safe: whoever holds it can sign checkpoints. Publish its public half to your verifiers:
#   openssl ec -in audit-signing-key.pem -pubout
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
file="$dir/audit-signing-key.pem"
if [ -e "$file" ]; then
  echo "new-audit-key.sh: $file already exists; delete it first to make a new one" >&2
  exit 1
fi
command -v openssl >/dev/null 2>&1 || { echo "new-audit-key.sh: openssl is not installed" >&2; exit 1; }
chmod 700 "$dir"
(umask 022; openssl ecparam -name prime256v1 -genkey -noout -out "$file")
# Readable by the container's user (uid 1654), which file-based compose secrets cannot chown.
chmod 644 "$file"
echo "Wrote $file"
