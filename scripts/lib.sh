# Shared by scripts/dev, scripts/test and .ci/run: the project-local tools (.venv), a
# local DynamoDB (moto's server on 127.0.0.1) and clean-up of every process started.
# Source it; it defines functions and sets nothing running.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
RUN_DIR="$ROOT/.local/run"
mkdir -p "$RUN_DIR"

# Everything local talks to moto with dummy credentials; never probe EC2 metadata.
use_local_aws() {
  export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
  unset AWS_SESSION_TOKEN AWS_PROFILE
  export AWS_EC2_METADATA_DISABLED=true
}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Creates .venv with the pinned tools, once per change of the requirements.
bootstrap() {
  local stamp="$VENV/.requirements.sha256"
  local want
  want="$(cat "$ROOT/scripts/requirements-dev.txt" "$ROOT/scripts/constraints.txt" | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  command -v python3 >/dev/null || die "python3 is required"
  log "installing local tools into .venv (moto, cargo-lambda, cfn-lint)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check \
    -r "$ROOT/scripts/requirements-dev.txt" -c "$ROOT/scripts/constraints.txt"
  echo "$want" > "$stamp"
}

# AWS SAM CLI in its own venv (its pins conflict with moto's): `sam validate --lint`, and
# AWS's Lambda Runtime Interface Emulator, which the package ships (SAM_RIE).
SAM_VENV="$ROOT/.venv-sam"
SAM_CLI_VERSION=1.170.0
SAM_RIE="$SAM_VENV/lib/python3.11/site-packages/samcli/local/rapid/aws-lambda-rie-$(uname -m | sed 's/aarch64/arm64/')"
bootstrap_sam() {
  if "$SAM_VENV/bin/sam" --version 2>/dev/null | grep -q "$SAM_CLI_VERSION"; then return 0; fi
  log "installing AWS SAM CLI $SAM_CLI_VERSION into .venv-sam"
  python3 -m venv "$SAM_VENV"
  "$SAM_VENV/bin/pip" install -q --disable-pip-version-check "aws-sam-cli==$SAM_CLI_VERSION"
}
export SAM_CLI_TELEMETRY=0

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_in_use() {
  python3 -c 'import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
}

# wait_for_port PORT SECONDS PID: until something listens on PORT, or PID dies.
wait_for_port() {
  local port=$1 secs=$2 pid=$3 i
  for ((i = 0; i < secs * 10; i++)); do
    port_in_use "$port" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

STARTED_PGIDS=()
# start_bg NAME CMD...: runs CMD in its own process group, output to .local/run/NAME.log.
start_bg() {
  local name=$1; shift
  setsid "$@" >"$RUN_DIR/$name.log" 2>&1 < /dev/null &
  LAST_PID=$!
  STARTED_PGIDS+=("$LAST_PID")
}

stop_all() {
  local pgid
  for pgid in "${STARTED_PGIDS[@]}"; do
    kill -TERM -- "-$pgid" 2>/dev/null || true
  done
  for pgid in "${STARTED_PGIDS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pgid" 2>/dev/null || true
  done
  STARTED_PGIDS=()
}

# start_moto [PORT]: moto's server on 127.0.0.1 (MOTO_HOST=0.0.0.0 to let Docker's
# containers, `sam local`, reach it too); exports AWS_ENDPOINT_URL_DYNAMODB.
start_moto() {
  local port=${1:-$(free_port)}
  port_in_use "$port" && die "port $port is already in use (set another with MOTO_PORT)"
  start_bg moto "$VENV/bin/moto_server" -H "${MOTO_HOST:-127.0.0.1}" -p "$port"
  wait_for_port "$port" 30 "$LAST_PID" || { cat "$RUN_DIR/moto.log" >&2; die "moto did not start"; }
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
  log "local DynamoDB (moto) on $AWS_ENDPOINT_URL_DYNAMODB"
}

# create_table NAME: the session table as template.yaml defines it (TTL on expires_at).
create_table() {
  "$VENV/bin/python" "$ROOT/scripts/local_table.py" "$1"
}

# apt_install PKG...: installs Debian packages that are missing (root; Debian's registry).
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  log "installing Debian packages: ${missing[*]}"
  [[ $(id -u) == 0 ]] || die "installing ${missing[*]} needs root (or install them yourself)"
  if [[ -z "${APT_UPDATED:-}" ]]; then apt-get update -q >/dev/null; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# existing_table_template: .template-existing-table.yaml, template.yaml in its other table
# mode (ExistingTableName set, so no table of its own; the dashboard off), for the linters.
existing_table_template() {
  sed -e '/^  ExistingTableName:$/,/Default:/ s/Default: ""/Default: login-sessions/' \
    -e '/^  Dashboard:$/,/Default:/ s/Default: "true"/Default: "false"/' \
    "$ROOT/template.yaml" > "$ROOT/.template-existing-table.yaml"
  grep -q 'Default: login-sessions' "$ROOT/.template-existing-table.yaml" ||
    die "template.yaml has no ExistingTableName parameter with Default: \"\""
}

# Every Debian package scripts/sam_check needs, installed by one apt-get run on a fresh
# machine: Debian's rustc-web with its arm64 standard library (`sam build` of the arm64
# artifact; rustup's targets are a download we are not promised), qemu-user-static to run
# it, `file`, Debian's docker.io (dockerd) and debootstrap (the base images).
SAM_PACKAGES=(rustc-web libstd-rust-web-dev:arm64 qemu-user-static file docker.io debootstrap)

add_arm64_architecture() {
  dpkg --print-foreign-architectures | grep -qx arm64 && return 0
  [[ $(id -u) == 0 ]] || die "dpkg --add-architecture arm64 needs root"
  dpkg --add-architecture arm64
  APT_UPDATED=
}

# What `sam build` needs for the arm64 artifact the template declares, from package
# registries only: cargo-lambda and zig (.venv, PyPI) and SAM_PACKAGES. Sets ARM64_RUSTC:
# the compiler for arm64 builds (the pinned rustup toolchain has no arm64 standard library
# here).
bootstrap_sam_build() {
  bootstrap
  bootstrap_sam
  add_arm64_architecture
  apt_install "${SAM_PACKAGES[@]}"
  ARM64_RUSTC=/usr/bin/rustc
  export PATH="$VENV/bin:$PATH"
}

# provision_sam_system: what scripts/sam_check needs from the system and that takes no
# Docker daemon: SAM_PACKAGES, arm64 emulation and the base images' root filesystems. It
# is downloading and unpacking, not compiling, so scripts/test runs it in the background
# (start_job) while cargo builds and the tests run.
provision_sam_system() {
  add_arm64_architecture
  apt_install "${SAM_PACKAGES[@]}"
  enable_arm64_emulation
  local arch
  for arch in arm64 ${SAM_X86:+x86_64}; do
    docker_has_image "public.ecr.aws/lambda/provided:al2023-$arch" || lambda_rootfs "$arch"
  done
  log "the system is ready for scripts/sam_check"
}

# start_job NAME FUNCTION [ARG...]: runs a shell function of this file in the background, its
# output in .local/run/NAME.log; await_job NAME collects it.
declare -A JOB_PIDS JOB_STARTS
start_job() {
  local name=$1
  shift
  JOB_STARTS[$name]=$SECONDS
  ("$@" && log "$name: finished, $((SECONDS - ${JOB_STARTS[$name]:-$SECONDS})) s after it started") \
    >"$RUN_DIR/$name.log" 2>&1 </dev/null &
  JOB_PIDS[$name]=$!
}

# await_job NAME SECONDS: waits for the job and prints its output. If it failed, or has not
# finished in SECONDS, says so with its output and (when it hangs) every process it is
# running, stops it, and exits.
await_job() {
  local name=$1 secs=$2 pid=${JOB_PIDS[$1]} i
  for ((i = 0; i < secs; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$pid" 2>/dev/null; then
    printf 'error: %s has not finished after %s s; it is running:\n' "$name" "$secs" >&2
    ps -o pid,etime,time,args -p "$(tree_pids "$pid" | paste -sd,)" >&2 || true
    sed 's/^/  | /' "$RUN_DIR/$name.log" | tail -40 >&2
    stop_jobs
    exit 1
  fi
  local rc=0
  wait "$pid" || rc=$?
  unset "JOB_PIDS[$name]"
  sed 's/^/  | /' "$RUN_DIR/$name.log" | tail -40 >&2
  ((rc == 0)) || die "$name failed (exit $rc): its output is above (.local/run/$name.log)"
  log "$name: collected, $((SECONDS - JOB_STARTS[$name])) s after it started"
}

# tree_pids PID: the process and everything it started, one PID a line.
tree_pids() {
  local child
  echo "$1"
  for child in $(pgrep -P "$1"); do tree_pids "$child"; done
}

# kill_tree PID: the process and everything it started: TERM, then KILL for whatever is
# still there 2 s later (a shell script such as debootstrap can outlive a TERM).
kill_tree() {
  local pids pid i alive
  pids=$(tree_pids "$1")
  kill -TERM $pids 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    alive=0
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -KILL $(tree_pids "$1" 2>/dev/null) $pids 2>/dev/null || true
}

stop_jobs() {
  local name
  for name in "${!JOB_PIDS[@]}"; do kill_tree "${JOB_PIDS[$name]}"; done
  JOB_PIDS=()
}

# start_dockerd: Debian's docker.io daemon, unless one already answers. Stopped by stop_all.
start_dockerd() {
  docker info >/dev/null 2>&1 && return 0
  apt_install docker.io
  log "starting dockerd"
  start_bg dockerd dockerd
  local i
  for ((i = 0; i < 300; i++)); do docker info >/dev/null 2>&1 && return 0; sleep 0.1; done
  cat "$RUN_DIR/dockerd.log" >&2
  die "dockerd did not start"
}

# enable_arm64_emulation: lets this x86_64 kernel run aarch64 binaries, in containers too
# (binfmt_misc with qemu-user-static's fixed-binary registration, from Debian's package).
enable_arm64_emulation() {
  apt_install qemu-user-static
  local bm=/proc/sys/fs/binfmt_misc
  [[ -e $bm/register ]] || mount -t binfmt_misc binfmt_misc "$bm" || die "cannot mount binfmt_misc"
  [[ -e $bm/qemu-aarch64 ]] || cat /usr/lib/binfmt.d/qemu-aarch64.conf > "$bm/register" ||
    die "cannot register qemu-aarch64 with binfmt_misc"
}

# native_emulator_image: the image `sam local` runs arm64 functions on
# (provided:al2023-rapid-arm64, which SAM would otherwise build with the arm64 emulator),
# with the x86_64 build of the same emulator from the aws-sam-cli package: only the function
# then runs under qemu-user, as only the function is arm64 on Graviton. SAM's own image runs
# the emulator (Go) under qemu too, which sometimes never answers under load
# (shared/notes/arm64-emulation-hang.md). Rebuilt whenever the emulator's binary changes.
native_emulator_image() {
  local image=public.ecr.aws/lambda/provided:al2023-rapid-arm64 want
  want=$(sha256sum "$SAM_RIE" | cut -c1-16)
  [[ "$(docker image inspect -f '{{index .Config.Labels "rie-sha256"}}' "$image" 2>/dev/null)" == "$want" ]] && return 0
  local ctx
  ctx=$(mktemp -d)
  cp "$SAM_RIE" "$ctx/aws-lambda-rie"
  printf 'FROM public.ecr.aws/lambda/provided:al2023-arm64
COPY aws-lambda-rie /var/rapid/aws-lambda-rie
LABEL rie-sha256=%s
' \
    "$want" > "$ctx/Dockerfile"
  log "building $image (the arm64 base with AWS's emulator for this host)"
  docker build -q --platform linux/arm64 -t "$image" "$ctx" >/dev/null || die "cannot build $image"
  rm -rf "$ctx"
}

# docker_has_image IMAGE: whether Docker's image store on this machine holds IMAGE, read from
# its files (no daemon needed; a daemon that is running answers the same).
docker_has_image() {
  grep -qsF "\"$1\"" /var/lib/docker/image/overlay2/repositories.json
}

# lambda_rootfs ARCH: the root filesystem of the image `sam local` runs functions on, as a
# tar file (.local/rootfs-ARCH.tar): a minimal Debian (glibc) with CA certificates, made by
# debootstrap, once per machine (lambda_base_image imports it and deletes it).
lambda_rootfs() {
  local arch=$1 tar="$ROOT/.local/rootfs-$1.tar"
  [[ -s $tar ]] && return 0
  apt_install debootstrap
  [[ $arch == arm64 ]] && enable_arm64_emulation   # debootstrap's second stage runs arm64 code
  local deb_arch=${arch/x86_64/amd64} rootfs="$ROOT/.local/rootfs-$arch"
  log "debootstrap of the $arch base image (minbase + ca-certificates)"
  rm -rf "$rootfs"
  debootstrap --variant=minbase --arch="$deb_arch" --include=ca-certificates bookworm "$rootfs" \
    http://deb.debian.org/debian >"$RUN_DIR/debootstrap-$arch.log" 2>&1 ||
    { tail -20 "$RUN_DIR/debootstrap-$arch.log" >&2; die "debootstrap failed"; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/{doc,man,locale}
  tar -C "$rootfs" -cf "$tar.part" . && mv "$tar.part" "$tar"
  rm -rf "$rootfs"
}

# lambda_base_image ARCH: the image `sam local` runs functions on
# (public.ecr.aws/lambda/provided:al2023-ARCH), made locally, once per machine, since
# ECR is not reachable: lambda_rootfs, imported. `sam local ... --skip-pull-image` then adds
# AWS's emulator to it, as on the real image.
lambda_base_image() {
  local arch=$1 image="public.ecr.aws/lambda/provided:al2023-$1" tar="$ROOT/.local/rootfs-$1.tar"
  if docker image inspect "$image" >/dev/null 2>&1; then rm -f "$tar"; return 0; fi
  lambda_rootfs "$arch"
  log "importing $image"
  docker import - "$image" <"$tar" >/dev/null || die "cannot import $image"
  rm -f "$tar"
}
