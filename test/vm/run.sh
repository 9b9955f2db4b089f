#!/usr/bin/env bash
# Boot Debian's stock 6.1 cloud kernel (kprobes, BTF) under qemu TCG with an
# initramfs holding busybox, node, libbpf and PAYLOAD_DIR (at /app), run a shell
# command in it and exit with that command's status.
#
# usage: test/vm/run.sh PAYLOAD_DIR -- SHELL_COMMAND_STRING
#
# The command's stdout+stderr go to this script's stdout (over a virtio serial
# port, or ttyS1 as a fallback). The guest kernel's console (ttyS0, "quiet":
# errors and worse) is kept apart and shown on stderr after the run: its last
# 40 lines if the run failed, else any messages at all.
# Exit status: the guest command's status, or 125 if the guest never reported
# one (panic, hang, timeout), or 2 for a usage error.
#
# Env: BPF_LAB_VM_TIMEOUT  wall-clock limit in seconds for qemu (default 600)
#      BPF_LAB_VM_BOOT_TIMEOUT  seconds for the guest to reach /init (default
#                          120); past it qemu is killed and booted once more
#      BPF_LAB_VM_KERNEL   vmlinuz to boot (default: from fetch-kernel.sh)
#      BPF_LAB_VM_SERIES   the kernel series fetch-kernel.sh fetches: 6.1 (default) or 6.12
#      BPF_LAB_VM_CACHE    kernel cache dir, passed on to fetch-kernel.sh
#      BPF_LAB_VM_APPEND   extra kernel command line (e.g. loglevel=7)
#      BPF_LAB_VM_CONSOLE  file to save the whole guest kernel console log to
set -euo pipefail

readonly MARKER=BPF_LAB_VM_EXIT
readonly BOOTED=BPF_LAB_VM_BOOTED
readonly PORT_NAME=bpf-lab.out
readonly LIBBPF=/usr/lib/x86_64-linux-gnu/libbpf.so.1
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
TIMEOUT=${BPF_LAB_VM_TIMEOUT:-600}
BOOT_TIMEOUT=${BPF_LAB_VM_BOOT_TIMEOUT:-120}
WORK=""
ROOT=""

die() { echo "run.sh: error: $*" >&2; exit 125; }
usage() {
  if (($#)); then echo "run.sh: error: $*" >&2; fi
  echo "usage: run.sh PAYLOAD_DIR -- SHELL_COMMAND_STRING" >&2
  exit 2
}

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
  stop_vm
  if [[ -n $WORK ]]; then rm -rf "$WORK"; fi
}

# ---- copying host files into the initramfs root -------------------------

# Copy an absolute host path into $ROOT at the same path. Symlinks met on the
# way (in directories or the file itself) are recreated as symlinks and
# followed, so names like /lib64/ld-linux-x86-64.so.2 and libbpf.so.1 resolve
# in the guest exactly as on the host.
copy_path() {
  local path=$1 depth=${2:-0}
  ((depth < 40)) || die "too many symlinks resolving $1"
  local -a parts
  IFS=/ read -ra parts <<<"${path#/}"
  local cur="" i link rest
  for ((i = 0; i < ${#parts[@]}; i++)); do
    [[ -n ${parts[i]} ]] || continue
    cur+="/${parts[i]}"
    [[ -L $cur ]] || continue
    link=$(readlink "$cur")
    if [[ ! -e $ROOT$cur && ! -L $ROOT$cur ]]; then
      mkdir -p "$ROOT$(dirname "$cur")"
      ln -s "$link" "$ROOT$cur"
    fi
    [[ $link == /* ]] || link="$(dirname "$cur")/$link"
    rest=$(IFS=/; echo "${parts[*]:i+1}")
    copy_path "$link${rest:+/$rest}" $((depth + 1))
    return
  done
  [[ -e $path ]] || die "host file not found: $path"
  if [[ -d $path ]]; then
    mkdir -p "$ROOT$path"
  elif [[ ! -e $ROOT$path ]]; then
    mkdir -p "$ROOT$(dirname "$path")"
    cp -p "$path" "$ROOT$path"
  fi
}

# Absolute paths of the shared libraries (and loader) an ELF file needs.
# With "strict", a library the host lacks is an error; without it, it is
# skipped (a payload may hold addons that never load here, e.g. koffi's musl
# build; if one does, the guest reports it).
elf_deps() {
  local file=$1 mode=${2:-} out
  out=$(ldd "$file" 2>&1) || return 0 # static or not ELF: nothing needed
  if [[ $mode == strict ]] && grep -q 'not found' <<<"$out"; then
    die "missing libraries for $file: $(grep 'not found' <<<"$out" | tr -s ' \t\n' ' ')"
  fi
  awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out"
}

# Copy the libraries FILE needs (not FILE itself). Errors in elf_deps must stop
# us, so collect its output before reading it.
copy_deps() {
  local file=$1 mode=${2:-} deps dep
  deps=$(elf_deps "$file" "$mode")
  while read -r dep; do
    if [[ -n $dep ]]; then copy_path "$dep"; fi
  done <<<"$deps"
}

# ---- building the initramfs --------------------------------------------

make_skeleton() {
  mkdir -p "$ROOT"/{usr/bin,usr/sbin,usr/lib,usr/lib64,etc,root,app,proc,sys,dev,tmp,run,bpf-lab}
  ln -s usr/bin "$ROOT/bin"
  ln -s usr/sbin "$ROOT/sbin"
  ln -s usr/lib "$ROOT/lib"
  ln -s usr/lib64 "$ROOT/lib64"
  chmod 1777 "$ROOT/tmp"
  chmod 0700 "$ROOT/root"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOT/etc/passwd"
  echo 'root:x:0:' >"$ROOT/etc/group"
}

install_busybox() {
  local bb applet
  bb=$(command -v busybox) || die "busybox not found (run test/vm/fetch-kernel.sh)"
  ! ldd "$bb" >/dev/null 2>&1 || die "$bb is not static (apt-get install busybox-static)"
  cp "$bb" "$ROOT/usr/bin/busybox"
  while read -r applet; do
    [[ -e $ROOT/$applet || -L $ROOT/$applet ]] || ln -s /bin/busybox "$ROOT/$applet"
  done < <("$bb" --list-full)
}

install_node_and_libs() {
  local node addon
  node=$(command -v node) || die "node not found on PATH"
  node=$(readlink -f "$node")
  [[ -f $LIBBPF ]] || die "$LIBBPF not found (apt-get install libbpf1)"
  cp -p "$node" "$ROOT/usr/bin/node"
  copy_deps "$node" strict
  copy_path "$LIBBPF"
  copy_deps "$LIBBPF" strict
  # Native addons in the payload (koffi.node, ...) may need more libraries.
  while IFS= read -r -d '' addon; do
    copy_deps "$addon"
  done < <(find "$PAYLOAD" -name '*.node' -type f -print0)
}

# ---- the fast output channel: a virtio serial port -----------------------
# Output over the emulated UART costs a host syscall per byte (~60 KB/s; an
# hvc virtio console is slower still). A virtio serial port takes whole
# writes. The cloud kernel has its driver (virtio_console) only as a module, so
# ship it and its dependencies; /init falls back to ttyS1 if they are missing
# or fail to load.

# Module dependency list from the .ko's .modinfo section.
module_deps() {
  tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | tr ',' ' '
}

module_file() {
  local moddir=$1 name=$2
  find "$moddir/kernel" -type f \( -name "$name.ko" -o -name "${name//_/-}.ko" \) | head -n 1
}

# Append NAME's module file to MODULE_FILES after those of its dependencies.
collect_module() {
  local moddir=$1 name=$2 file dep
  [[ " ${MODULE_NAMES[*]} " != *" $name "* ]] || return 0
  MODULE_NAMES+=("$name")
  file=$(module_file "$moddir" "$name")
  if [[ -z $file ]]; then
    # Built into the kernel, or not available at all (then insmod fails and
    # /init falls back to the serial port).
    return 0
  fi
  for dep in $(module_deps "$file"); do collect_module "$moddir" "$dep"; done
  MODULE_FILES+=("$file")
}

install_console_modules() {
  local kernel=$1 release moddir i=0 file
  release=$(basename "$kernel")
  release=${release#vmlinuz-}
  moddir="$(dirname "$kernel")/../lib/modules/$release"
  [[ -d $moddir/kernel ]] || return 0
  MODULE_NAMES=()
  MODULE_FILES=()
  # virtio_pci is the transport, not a symbol dependency of virtio_console.
  collect_module "$moddir" virtio_pci
  collect_module "$moddir" virtio_console
  mkdir -p "$ROOT/lib/modules/bpf-lab"
  for file in "${MODULE_FILES[@]}"; do
    cp "$file" "$ROOT/lib/modules/bpf-lab/$(printf '%02d' "$i")-$(basename "$file")"
    i=$((i + 1))
  done
}

# /init, a busybox sh script. Its stdout is the kernel console (ttyS0). The
# command's output goes to the virtio port named $PORT_NAME, or to ttyS1 if the
# virtio modules are missing or fail to load.
init_script() {
  cat <<'EOF'
#!/bin/busybox sh
# Generated by test/vm/run.sh.
echo @BOOTED@
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf

out=/dev/ttyS1
for m in /lib/modules/bpf-lab/*.ko; do
  [ -f "$m" ] && insmod "$m" || break
done
# The port's device node appears shortly after the driver binds.
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  [ -d /lib/modules/bpf-lab ] || break
  for p in /sys/class/virtio-ports/*; do
    dev=/dev/${p##*/}
    [ "$(cat "$p/name" 2>/dev/null)" = @PORT@ ] && [ -c "$dev" ] && out=$dev
  done
  [ "$out" = /dev/ttyS1 ] || break
  sleep 0.1
done
# No CR/LF translation or other output processing on the serial port.
[ "$out" != /dev/ttyS1 ] || stty -F /dev/ttyS1 raw -echo

cd /app
sh -c "$(cat /bpf-lab/command)" </dev/null >"$out" 2>&1
status=$?
# On a failure, the kernel's own account (an OOM kill, a segfault), which the quiet console hides.
if [ "$status" -ne 0 ]; then
  printf '\n# the guest kernel log, last lines:\n' >"$out"
  dmesg | tail -n 40 | sed 's/^/# /' >"$out"
fi
# The leading newline keeps the marker on a line of its own even after
# output with no final newline; the host drops it again.
printf '\n@MARKER@=%d\n' "$status" >"$out"
poweroff -f
EOF
}

write_init() {
  printf '%s\n' "$COMMAND" >"$ROOT/bpf-lab/command"
  init_script | sed -e "s/@BOOTED@/$BOOTED/" -e "s/@MARKER@/$MARKER/" -e "s/@PORT@/$PORT_NAME/" \
    >"$ROOT/init"
  chmod 0755 "$ROOT/init"
}

build_initrd() {
  local kernel=$1
  ROOT="$WORK/root"
  mkdir -p "$ROOT"
  make_skeleton
  install_busybox
  install_node_and_libs
  install_console_modules "$kernel"
  cp -a "$PAYLOAD/." "$ROOT/app/"
  write_init
  (cd "$ROOT" && find . -print0 | LC_ALL=C sort -z \
    | cpio --null -o -H newc -R 0:0 --quiet | gzip -1) >"$WORK/initrd.cpio.gz" \
    || die "building the initramfs failed"
}

# ---- booting -------------------------------------------------------------

kernel_path() {
  if [[ -n ${BPF_LAB_VM_KERNEL:-} ]]; then
    [[ -f $BPF_LAB_VM_KERNEL ]] || die "BPF_LAB_VM_KERNEL=$BPF_LAB_VM_KERNEL not found"
    echo "$BPF_LAB_VM_KERNEL"
    return
  fi
  "$SCRIPT_DIR/fetch-kernel.sh" "${BPF_LAB_VM_SERIES:-6.1}" || die "fetch-kernel.sh failed"
}

# Pass guest output through, dropping the newline that precedes the marker and
# the marker itself (its status goes to $1). Each newline is held back until
# the next line arrives, so a final unterminated line stays unterminated.
filter_output() {
  awk -v status_file="$1" -v marker="$MARKER" '
    BEGIN { re = "^" marker "=[0-9]+$" }
    { sub(/\r$/, "") }
    $0 ~ re { print substr($0, length(marker) + 2) > status_file; held = 0; exit }
    { if (held) printf "\n"; printf "%s", $0; fflush(); held = 1 }
    END { if (held) printf "\n" }
  '
}

# qemu reads nothing from the host: stdin is /dev/null and no chardev uses
# stdio. ttyS0 (kernel console) goes to a log file; the virtio port and ttyS1
# (command output; the guest uses one of them) go to qemu's stdout, which is
# always the pipe into filter_output, so O_TRUNC can't hit a caller's file.
# qemu runs in the background so that stop_vm can kill it from a signal trap.
boot() {
  local kernel=$1 rc=0
  timeout --kill-after=10 "$TIMEOUT" qemu-system-x86_64 \
    -accel tcg -cpu max -smp 2 -m 2048 \
    -nodefaults -no-user-config -display none -no-reboot \
    -chardev file,id=console,path="$WORK/console.log" -serial chardev:console \
    -chardev file,id=results,path=/dev/stdout,append=on -serial chardev:results \
    -device virtio-serial-pci \
    -chardev file,id=fast,path=/dev/stdout,append=on \
    -device virtserialport,chardev=fast,name=$PORT_NAME \
    -kernel "$kernel" -initrd "$WORK/initrd.cpio.gz" \
    -append "console=ttyS0 panic=-1 quiet ${BPF_LAB_VM_APPEND:-}" \
    </dev/null &
  echo $! >"$WORK/qemu.pid"
  wait $! || rc=$?
  echo "$rc" >"$WORK/qemu.rc"
}

# `timeout` puts qemu in its own process group, so signals sent to us do not
# reach it; pass them on (timeout forwards SIGTERM to qemu).
# shellcheck disable=SC2317 # called from cleanup
stop_vm() {
  local pid
  # qemu.rc is written once qemu has exited: nothing to stop then.
  [[ -n $WORK && -f $WORK/qemu.pid && ! -f $WORK/qemu.rc ]] || return 0
  pid=$(cat "$WORK/qemu.pid")
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# Kernel messages (errors and worse, given "quiet") other than the final
# power-off line, for stderr.
kernel_messages() {
  tr -d '\r' <"$WORK/console.log" | grep -v -e '\] reboot: Power down$' -e "^$BOOTED\$" || true
}

save_console() {
  [[ -n ${BPF_LAB_VM_CONSOLE:-} ]] || return 0
  tr -d '\r' <"$WORK/console.log" >"$BPF_LAB_VM_CONSOLE" \
    || echo "run.sh: warning: cannot write BPF_LAB_VM_CONSOLE=$BPF_LAB_VM_CONSOLE" >&2
}

report_kernel_messages() {
  local line header=0
  while IFS= read -r line; do
    ((header++)) || echo "run.sh: guest kernel console:" >&2
    echo "  | $line" >&2
  done < <(kernel_messages)
}

failure_reason() {
  local qemu_rc=$1
  case $qemu_rc in
    124 | 137) echo "guest timed out after ${TIMEOUT}s (BPF_LAB_VM_TIMEOUT); qemu killed" ;;
    *) echo "guest gave no $MARKER line (qemu exit $qemu_rc: kernel panic or crash?)" ;;
  esac
}

# Print REASON and the tail of the guest kernel console to stderr.
report_failure() {
  echo "run.sh: error: $1" >&2
  if [[ -s $WORK/console.log ]]; then
    echo "run.sh: last lines of the guest kernel console:" >&2
    tr -d '\r' <"$WORK/console.log" | tail -n 40 | sed 's/^/  | /' >&2
  fi
}

# Return 1 if the guest has not reached /init BOOT_TIMEOUT seconds after
# qemu started, 0 once it has or once the VM is gone.
await_init() {
  local pid=$1 deadline=$((SECONDS + BOOT_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if grep -q "^$BOOTED" "$WORK/console.log" 2>/dev/null; then return 0; fi
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# Boot once; return 1 (VM stopped) if the guest hung before /init.
run_vm() {
  local kernel=$1 pid
  rm -f "$WORK/console.log" "$WORK/status" "$WORK/qemu.pid" "$WORK/qemu.rc"
  # In the background so that a trapped signal interrupts the wait.
  boot "$kernel" | filter_output "$WORK/status" &
  pid=$!
  if ! await_init "$pid"; then
    stop_vm
    wait || true
    return 1
  fi
  wait || true
}

main() {
  if (($# < 3)) || [[ $2 != -- ]]; then usage; fi
  (($# == 3)) || usage "pass the guest command as one string after --"
  PAYLOAD=$1
  COMMAND=$3
  [[ -d $PAYLOAD ]] || usage "payload dir not found: $PAYLOAD"
  [[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || usage "BPF_LAB_VM_TIMEOUT must be whole seconds, got '$TIMEOUT'"
  [[ $BOOT_TIMEOUT =~ ^[1-9][0-9]*$ ]] \
    || usage "BPF_LAB_VM_BOOT_TIMEOUT must be whole seconds, got '$BOOT_TIMEOUT'"

  local kernel qemu_rc status
  kernel=$(kernel_path)
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/bpf-lab-vm.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  build_initrd "$kernel"

  if ! run_vm "$kernel"; then
    save_console
    echo "run.sh: warning: guest did not reach /init within ${BOOT_TIMEOUT}s; booting again" >&2
    if ! run_vm "$kernel"; then
      save_console
      report_failure "guest did not reach /init within ${BOOT_TIMEOUT}s, twice"
      exit 125
    fi
  fi
  qemu_rc=$(cat "$WORK/qemu.rc" 2>/dev/null || echo unknown)
  save_console
  status=$(cat "$WORK/status" 2>/dev/null || true)
  if [[ -z $status ]]; then
    report_failure "$(failure_reason "$qemu_rc")"
    exit 125
  fi
  report_kernel_messages
  exit "$status"
}

main "$@"
