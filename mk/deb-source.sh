#!/bin/sh
# mk/deb-source.sh TAG APT_DIR SRC_SUBDIR SUITE KEYRING PACKAGE [MIRROR]
#
# Fetches and unpacks Debian's source package PACKAGE of release SUITE
# into APT_DIR/SRC_SUBDIR with `apt-get source`, through a sources list,
# lists and cache of its own under APT_DIR: the system's apt configuration
# is only read, to find the mirror (deb822 files' URIs: first, then
# one-line "deb [opts] URI suite ..." entries; never a security mirror),
# unless MIRROR is given. Messages start with TAG. Used by mk/mbedtls36.mk
# and mk/lwip.mk.
set -e
tag=$1 d=$2 sub=$3 suite=$4 keyring=$5 package=$6 mirror=${7:-}
command -v apt-get >/dev/null || { echo "$tag: apt-get not found" >&2; exit 1; }
command -v dpkg-source >/dev/null || { echo "$tag: dpkg-source not found: install the package dpkg-dev" >&2; exit 1; }
if [ -z "$mirror" ]; then
    for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
        [ -z "$mirror" ] || break
    done
fi
if [ -z "$mirror" ]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        mirror=$(awk '$1 == "deb" || $1 == "deb-src" { i = 2;
          if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
          if (i <= NF && $i !~ /security/) { print $i; exit } }' "$f")
        [ -z "$mirror" ] || break
    done
fi
[ -n "$mirror" ] || { echo "$tag: no Debian mirror in /etc/apt; give the mirror URI" >&2; exit 1; }
rm -rf "$d/$sub"
mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial" "$d/$sub"
echo "deb-src [signed-by=$keyring] $mirror $suite main" > "$d/sources.list"
set -- -q -o "Dir::Etc::SourceList=$d/sources.list" -o Dir::Etc::SourceParts=/nonexistent \
    -o Dir::Etc::Preferences=/nonexistent -o Dir::Etc::PreferencesParts=/nonexistent \
    -o "Dir::State=$d/state" -o Dir::State::status=/var/lib/dpkg/status \
    -o "Dir::Cache=$d/cache" -o Acquire::Languages=none \
    -o "APT::Sandbox::User=$(id -un)"
echo "$tag: fetching the $package source package of Debian $suite from $mirror"
apt-get "$@" update
cd "$d/$sub" && apt-get "$@" source "$package"
