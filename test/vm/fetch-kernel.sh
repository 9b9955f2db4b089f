#!/usr/bin/env bash
# Fetch one of Debian 12's stock cloud kernels (they have kprobes) into a cache
# dir and print the path of its vmlinuz. Idempotent: a warm cache does no download.
#
# Usage: fetch-kernel.sh [6.1|6.12]   (default 6.1, Debian 12's own; 6.12 is its
#                                      newer kernel series from the same archive)
# Env: BPF_LAB_VM_CACHE  cache dir (default /var/cache/bpf-lab/vm)
set -euo pipefail

SERIES=${1:-6.1}
case $SERIES in
  6.1) META_PKG=linux-image-cloud-amd64; PKG_RE='linux-image-6\.1\.[0-9.-]+-cloud-amd64' ;;
  6.12) META_PKG=linux-image-6.12-cloud-amd64; PKG_RE='linux-image-6\.12\.[0-9.]+\+deb12-cloud-amd64' ;;
  *) echo "fetch-kernel.sh: error: usage: fetch-kernel.sh [6.1|6.12]" >&2; exit 1 ;;
esac
readonly SERIES META_PKG PKG_RE
CACHE_DIR=${BPF_LAB_VM_CACHE:-/var/cache/bpf-lab/vm}

die() { echo "fetch-kernel.sh: error: $*" >&2; exit 1; }
note() { echo "fetch-kernel.sh: $*" >&2; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# apt-get install, running `apt-get update` first only if the install fails.
apt_install() {
  is_root || die "missing tools ($*); install them as root: apt-get install -y $*"
  note "installing: $*"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2; then
    apt-get update -q >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2 \
      || die "apt-get install $* failed"
  fi
}

busybox_is_static() {
  local bb
  bb=$(command -v busybox) || return 1
  # ldd exits non-zero ("not a dynamic executable") for a static binary.
  ! ldd "$bb" >/dev/null 2>&1
}

ensure_tools() {
  local -a missing=()
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  busybox_is_static || missing+=(busybox-static)
  command -v cpio >/dev/null || missing+=(cpio)
  if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
  busybox_is_static || die "busybox on PATH is not statically linked (install busybox-static)"
}

ensure_cache_dir() {
  if ! mkdir -p "$CACHE_DIR" 2>/dev/null || [[ ! -w $CACHE_DIR ]]; then
    die "cache dir $CACHE_DIR is not writable (set BPF_LAB_VM_CACHE)"
  fi
}

# Name of the versioned image package the metapackage depends on, or nothing.
query_kernel_pkg() {
  apt-cache depends "$META_PKG" 2>/dev/null \
    | awk -v re="^$PKG_RE\$" '$1 == "Depends:" && $2 ~ re { print $2; exit }'
}

# Newest kernel already extracted in the cache (used when apt can't tell us).
cached_kernel_pkg() {
  local d
  d=$(find "$CACHE_DIR" -mindepth 1 -maxdepth 1 -type d -regextype posix-extended -regex ".*/$PKG_RE" \
        -printf '%f\n' | sort -V | tail -n 1)
  [[ -n $d ]] && echo "$d"
}

resolve_kernel_pkg() {
  local pkg
  pkg=$(query_kernel_pkg)
  if [[ -z $pkg ]] && pkg=$(cached_kernel_pkg); then
    note "apt does not know $META_PKG; using cached $pkg"
  fi
  if [[ -z $pkg ]]; then
    is_root || die "apt does not know $META_PKG; run 'apt-get update' as root"
    note "apt does not know $META_PKG; running apt-get update"
    apt-get update -q >&2 || die "apt-get update failed"
    pkg=$(query_kernel_pkg)
  fi
  [[ -n $pkg ]] || die "cannot find a $SERIES cloud kernel image among the dependencies of $META_PKG"
  echo "$pkg"
}

cached_deb() {
  local pkg=$1
  find "$CACHE_DIR" -maxdepth 1 -type f -name "${pkg}_*_amd64.deb" | sort -V | tail -n 1
}

# Download into a scratch dir, then move into place, so a killed run leaves no
# truncated .deb behind.
download_deb() {
  local pkg=$1 tmp deb
  tmp=$(mktemp -d "$CACHE_DIR/.download.XXXXXX")
  note "downloading $pkg"
  if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2); then
    rm -rf "$tmp"
    die "apt-get download $pkg failed (try 'apt-get update')"
  fi
  deb=$(find "$tmp" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
  [[ -n $deb ]] || { rm -rf "$tmp"; die "apt-get download $pkg produced no .deb"; }
  mv "$deb" "$CACHE_DIR/"
  rm -rf "$tmp"
}

extract_deb() {
  local deb=$1 dest=$2 tmp
  tmp=$(mktemp -d "$CACHE_DIR/.extract.XXXXXX")
  note "extracting $(basename "$deb")"
  dpkg -x "$deb" "$tmp" || { rm -rf "$tmp"; die "dpkg -x $deb failed"; }
  mv "$tmp" "$dest"
}

find_vmlinuz() {
  local dir=$1
  [[ -d $dir/boot ]] || return 0
  find "$dir/boot" -maxdepth 1 -type f -name 'vmlinuz-*' | head -n 1
}

main() {
  (($# <= 1)) || die "usage: fetch-kernel.sh [6.1|6.12] (env BPF_LAB_VM_CACHE sets the cache dir)"
  ensure_tools
  ensure_cache_dir
  # Serialise concurrent runs sharing the cache.
  exec 9>"$CACHE_DIR/.lock"
  flock 9

  local pkg deb dest vmlinuz
  pkg=$(resolve_kernel_pkg)
  dest="$CACHE_DIR/$pkg"
  vmlinuz=$(find_vmlinuz "$dest")
  if [[ -z $vmlinuz ]]; then
    rm -rf "$dest"
    deb=$(cached_deb "$pkg")
    if [[ -z $deb ]]; then
      download_deb "$pkg"
      deb=$(cached_deb "$pkg")
    fi
    extract_deb "$deb" "$dest"
    vmlinuz=$(find_vmlinuz "$dest")
    [[ -n $vmlinuz ]] || die "no boot/vmlinuz-* in $deb"
  fi
  echo "$vmlinuz"
}

main "$@"
