#!/bin/sh
# Writes a new random Mesh admin token to admin.token next to this script, for deploy/docker/compose.yaml
# (Mesh:BootstrapAdminTokenFile). The token has the shape of tokens Mesh generates: mesh_ot_<6 random bytes as hex>.
# <32 random bytes as unpadded base64url>. It becomes the first admin token of an empty cluster; keep it safe.
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
file="$dir/admin.token"
if [ -e "$file" ]; then
  echo "new-admin-token.sh: $file already exists; delete it first to make a new one" >&2
  exit 1
fi
command -v openssl >/dev/null 2>&1 || { echo "new-admin-token.sh: openssl is not installed" >&2; exit 1; }

# Other local users must not list or read the folder; the file itself must be readable by the container's user
# (uid 1654), which file-based compose secrets cannot chown.
chmod 700 "$dir"
id=$(openssl rand -hex 6)
secret=$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')
(umask 022; printf 'mesh_ot_%s.%s\n' "$id" "$secret" > "$file")
chmod 644 "$file"
echo "Wrote $file (token id $id). Use it as MESH_TOKEN once the cluster is up: export MESH_TOKEN=\$(cat $file)"
