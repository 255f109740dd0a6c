#!/usr/bin/env bash
# Installs the `mesh` CLI from this clone as a .NET tool, offline: packs src/Mesh.Cli into a temporary folder and
# installs the package from there (the package carries everything it needs; no package source is asked). Run it
# again after pulling changes: it replaces the installed tool.
#
#   src/Mesh.Cli/install.sh                    # for your user: `dotnet tool install --global`, ~/.dotnet/tools
#   src/Mesh.Cli/install.sh --tool-path DIR    # into DIR instead (DIR/mesh)
set -euo pipefail

usage() { sed -n '2,8s/^# \{0,1\}//p' "$0"; }

target=(--global)
case "${1:-}" in
  "") ;;
  --global) ;;
  --tool-path)
    [[ -n "${2:-}" ]] || { echo "install.sh: --tool-path needs a folder" >&2; exit 2; }
    target=(--tool-path "$2") ;;
  -h|--help) usage; exit 0 ;;
  *) echo "install.sh: unknown option '$1' (use --global or --tool-path DIR)" >&2; exit 2 ;;
esac

project="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
feed="$(mktemp -d)"
trap 'rm -rf "$feed"' EXIT

echo "Packing the mesh CLI from $project ..."
dotnet pack "$project" --configuration Release --output "$feed" --nologo --verbosity quiet

# The package keeps its version (0.1.0) from build to build, so an update would see nothing new: replace it.
if dotnet tool list "${target[@]}" 2>/dev/null | awk 'NR > 2 { print $1 }' | grep -qx 'mesh.cli'; then
  dotnet tool uninstall "${target[@]}" Mesh.Cli >/dev/null
fi
dotnet tool install "${target[@]}" --source "$feed" Mesh.Cli

if [[ "${target[0]}" == --global ]]; then
  case ":$PATH:" in
    *":$HOME/.dotnet/tools:"*) ;;
    *) echo "Add ~/.dotnet/tools to your PATH to run mesh: export PATH=\"\$PATH:\$HOME/.dotnet/tools\"" ;;
  esac
fi
