#!/usr/bin/env bash
# Builds the control-plane binaries the integration tests run against
# (kube-apiserver, kube-controller-manager, etcd, kwok) from Go modules, because release binaries
# cannot be downloaded here but the Go module proxy can be reached.
#
# Usage: scripts/k8s/build.sh [kube-apiserver|kube-controller-manager|kube-scheduler|etcd|kwok|helm|kubectl ...]
#        (default: the control plane: etcd, kwok, kube-apiserver, kube-controller-manager)
#
# Environment:
#   KNM_K8S_CACHE      cache root (default: $HOME/.cache/knm-k8s)
#   KNM_K8S_VERSION    k8s.io/kubernetes version        (default: v1.34.4)
#   KNM_ETCD_VERSION   go.etcd.io/etcd/server/v3 version (default: v3.6.16)
#   KNM_KWOK_VERSION   sigs.k8s.io/kwok version          (default: v0.7.0)
#   KNM_HELM_VERSION   helm.sh/helm/v4 version           (default: v4.3.2)
#   KNM_BUILD_NICE     niceness for go builds            (default: 10)
#
# Binaries land in $KNM_K8S_CACHE/<component>-<version>/<binary>. An existing
# binary is reused; a build writes to a temp file and renames it into place so
# an interrupted run never leaves a half-written binary that looks cached.
set -euo pipefail

CACHE="${KNM_K8S_CACHE:-$HOME/.cache/knm-k8s}"
K8S_VERSION="${KNM_K8S_VERSION:-v1.34.4}"
ETCD_VERSION="${KNM_ETCD_VERSION:-v3.6.16}"
KWOK_VERSION="${KNM_KWOK_VERSION:-v0.7.0}"
HELM_VERSION="${KNM_HELM_VERSION:-v4.3.2}"
NICE="${KNM_BUILD_NICE:-10}"

# Never let the go command fetch a different toolchain behind our back; a
# caller who wants one sets GOTOOLCHAIN explicitly.
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:--buildvcs=false} -mod=mod"

die() { echo "build.sh: $*" >&2; exit 2; }
log() { echo "[k8s-build] $*"; }

# Go is only checked once something actually has to be built, so a machine
# with every binary cached does not need a toolchain at all.
GO_VERSION=""
ensure_go() {
  [ -n "$GO_VERSION" ] && return
  if ! command -v go >/dev/null 2>&1; then
    [ -x /usr/local/go/bin/go ] && PATH="$PATH:/usr/local/go/bin" ||
      die "Go is not installed (need go on PATH; /usr/local/go/bin is the usual place)"
  fi
  GO_VERSION="$(go env GOVERSION 2>/dev/null || true)"
  [[ "$GO_VERSION" =~ ^go[0-9] ]] || die "cannot determine the Go version (go env GOVERSION printed '$GO_VERSION')"
  GO_VERSION="${GO_VERSION#go}"
}

# version_ge A B: true when dotted version A >= B.
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]; }

# The `go` directive of a module's go.mod is the minimum toolchain it accepts.
go_directive() { awk '$1 == "go" { print $2; exit }' "$1"; }

require_go() { # <needed> <what>
  local needed="$1"
  version_ge "$GO_VERSION" "$needed" || die "$2 needs Go >= $needed but go is $GO_VERSION (set GOTOOLCHAIN=go$needed or newer, or install a newer Go)"
}

# Resolves a module version and prints the path of its go.mod in the module cache.
mod_gomod() { # <module@version>
  local json
  json="$(cd "$CACHE" && go mod download -json "$1")" || die "cannot download $1 from the module proxy"
  printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p' | head -n1
}

now() { date +%s; }

# build_wrapper <component> <version> <binary> <go-min> <main.go content> <go.mod body> <ldflags>
# Generates a throw-away main module under the cache (never in the repo) and
# builds it into place.
build_wrapper() {
  local comp="$1" version="$2" bin="$3" gomin="$4" main_go="$5" gomod_body="$6" ldflags="$7"
  local outdir="$CACHE/$comp-$version" src="$CACHE/src/$comp-$version"
  mkdir -p "$outdir" "$src"
  printf '%s\n' "$main_go" >"$src/main.go"
  # Only rewrite go.mod when its intended content changes, so a re-run after
  # an interruption keeps the go.sum / resolved requirements already computed.
  local want
  want="$(printf 'module knm.local/%s\n\ngo %s\n\n%s\n' "$comp" "$gomin" "$gomod_body")"
  if [ ! -f "$src/go.mod.in" ] || [ "$(cat "$src/go.mod.in")" != "$want" ]; then
    printf '%s\n' "$want" >"$src/go.mod.in"
    printf '%s\n' "$want" >"$src/go.mod"
    rm -f "$src/go.sum"
  fi
  local tmp="$outdir/.$bin.tmp.$$"
  trap "rm -f '$tmp'" EXIT
  (
    cd "$src"
    nice -n "$NICE" go mod tidy >/dev/null
    nice -n "$NICE" go build -trimpath -ldflags "-s -w $ldflags" -o "$tmp" .
  )
  mv -f "$tmp" "$outdir/$bin"
  trap - EXIT
}

# build_k8s_command <binary> <cmd package> <constructor>
# Builds one of k8s.io/kubernetes' commands through a wrapper main module:
# k8s.io/kubernetes cannot be required as a normal dependency because its
# go.mod points the k8s.io/* staging modules at local directories, so the
# wrapper replaces them with their published v0.<minor>.<patch> versions.
# With a fourth argument (a path inside k8s.io/kubernetes, e.g. cmd/kubectl/kubectl.go) that
# file is used verbatim as the wrapper's main.go instead of one calling <cmd package>.<constructor>.
build_k8s_command() {
  local bin="$1" cmdpkg="$2" ctor="$3" main_file="${4:-}"
  local v="$K8S_VERSION" out="$CACHE/$bin-$K8S_VERSION/$bin"
  if [ -x "$out" ]; then log "$bin $v: cached ($out)"; return; fi
  ensure_go
  local gomod minor major staging_v
  gomod="$(mod_gomod "k8s.io/kubernetes@$v")"
  [ -f "$gomod" ] || die "no go.mod for k8s.io/kubernetes@$v"
  local gomin; gomin="$(go_directive "$gomod")"
  require_go "$gomin" "$bin $v"
  major="${v#v}"; major="${major%%.*}"
  minor="${v#v*.}"; minor="${minor%%.*}"
  # Staging modules are published as v0.<minor>.<patch> for k8s v1.<minor>.<patch>.
  staging_v="v0.${v#v*.}"
  local replaces
  replaces="$(awk -v sv="$staging_v" '
    /=> \.\/staging\// { for (i = 1; i <= NF; i++) if ($i == "=>") { print "\t" $(i-1) " => " $(i-1) " " sv } }
  ' "$gomod")"
  [ -n "$replaces" ] || die "found no staging replace lines in $gomod"
  local date; date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  local ld=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
  done
  local main_go
  if [ -n "$main_file" ]; then
    local moddir
    moddir="$(cd "$CACHE" && go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
    [ -f "$moddir/$main_file" ] || die "no $main_file in k8s.io/kubernetes@$v"
    main_go="$(cat "$moddir/$main_file")"
  else
    main_go="$(printf 'package main\n\nimport (\n\t"os"\n\n\t"k8s.io/component-base/cli"\n\t"%s"\n)\n\nfunc main() {\n\tos.Exit(cli.Run(app.%s()))\n}' "$cmdpkg" "$ctor")"
  fi
  local t0; t0="$(now)"
  log "$bin $v: building (staging $staging_v, cold builds take 10-20 minutes)"
  build_wrapper "$bin" "$v" "$bin" "$gomin" "$main_go" \
    "$(printf 'require k8s.io/kubernetes %s\n\nreplace (\n%s\n)' "$v" "$replaces")" "$ld"
  log "$bin $v: built in $(( $(now) - t0 ))s -> $out"
}

build_kube_apiserver() {
  build_k8s_command kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver/app NewAPIServerCommand
}

# Only the disruption controller is run from it (PodDisruptionBudget status,
# without which every eviction of a covered pod is refused).
build_kube_controller_manager() {
  build_k8s_command kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager/app \
    NewControllerManagerCommand
}

# The scheduler binds the pods the replicaset and statefulset controllers recreate after an
# eviction, so workloads recover on the real control plane as they do in the simulator.
build_kube_scheduler() {
  build_k8s_command kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler/app NewSchedulerCommand
}

# kubectl at the control plane's version, for the tier that drives the simulator and
# kube-apiserver with the same kubectl script; its main package is taken as published.
build_kubectl() {
  build_k8s_command kubectl "" "" cmd/kubectl/kubectl.go
}

build_etcd() {
  local v="$ETCD_VERSION" out="$CACHE/etcd-$ETCD_VERSION/etcd"
  if [ -x "$out" ]; then log "etcd $v: cached ($out)"; return; fi
  ensure_go
  local gomod gomin
  gomod="$(mod_gomod "go.etcd.io/etcd/server/v3@$v")"
  gomin="$(go_directive "$gomod")"
  require_go "$gomin" "etcd $v"
  local main_go='package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}'
  local t0; t0="$(now)"
  log "etcd $v: building"
  build_wrapper etcd "$v" etcd "$gomin" "$main_go" \
    "$(printf 'require go.etcd.io/etcd/server/v3 %s' "$v")" ""
  log "etcd $v: built in $(( $(now) - t0 ))s -> $out"
}

build_kwok() {
  local v="$KWOK_VERSION" outdir="$CACHE/kwok-$KWOK_VERSION"
  local out="$outdir/kwok"
  if [ -x "$out" ]; then log "kwok $v: cached ($out)"; return; fi
  ensure_go
  local gomod gomin
  gomod="$(mod_gomod "sigs.k8s.io/kwok@$v")"
  gomin="$(go_directive "$gomod")"
  require_go "$gomin" "kwok $v"
  mkdir -p "$outdir"
  local t0; t0="$(now)"
  log "kwok $v: building"
  # go install writes straight into GOBIN; use a private GOBIN and rename so
  # the cached path only ever holds a complete binary.
  local gobin="$outdir/.gobin.$$"
  rm -rf "$gobin"; mkdir -p "$gobin"
  trap "rm -rf '$gobin'" EXIT
  (cd "$CACHE" && GOFLAGS="${GOFLAGS/-mod=mod/}" GOBIN="$gobin" nice -n "$NICE" \
    go install -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${v#v}" "sigs.k8s.io/kwok/cmd/kwok@$v")
  mv -f "$gobin/kwok" "$out"
  rm -rf "$gobin"; trap - EXIT
  log "kwok $v: built in $(( $(now) - t0 ))s -> $out"
}

# helm renders and lints the chart in deploy/helm (not part of the control plane,
# but built and cached the same way). Its go.mod has no replace lines, so
# go install can build the command straight from the module.
build_helm() {
  local v="$HELM_VERSION" outdir="$CACHE/helm-$HELM_VERSION"
  local out="$outdir/helm"
  if [ -x "$out" ]; then log "helm $v: cached ($out)"; return; fi
  ensure_go
  local gomod gomin
  gomod="$(mod_gomod "helm.sh/helm/v4@$v")"
  gomin="$(go_directive "$gomod")"
  require_go "$gomin" "helm $v"
  mkdir -p "$outdir"
  local t0; t0="$(now)"
  log "helm $v: building"
  local gobin="$outdir/.gobin.$$"
  rm -rf "$gobin"; mkdir -p "$gobin"
  trap "rm -rf '$gobin'" EXIT
  (cd "$CACHE" && GOFLAGS="${GOFLAGS/-mod=mod/}" GOBIN="$gobin" nice -n "$NICE" \
    go install -trimpath -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$v" "helm.sh/helm/v4/cmd/helm@$v")
  mv -f "$gobin/helm" "$out"
  rm -rf "$gobin"; trap - EXIT
  log "helm $v: built in $(( $(now) - t0 ))s -> $out"
}

mkdir -p "$CACHE"
components=("$@")
[ ${#components[@]} -gt 0 ] || components=(etcd kwok kube-apiserver kube-controller-manager)
total0="$(now)"
for c in "${components[@]}"; do
  case "$c" in
    kube-apiserver) build_kube_apiserver ;;
    etcd) build_etcd ;;
    kube-controller-manager) build_kube_controller_manager ;;
    kube-scheduler) build_kube_scheduler ;;
    kwok) build_kwok ;;
    kubectl) build_kubectl ;;
    helm) build_helm ;;
    *) die "unknown component '$c' (expected kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kwok, helm or kubectl)" ;;
  esac
done
log "done in $(( $(now) - total0 ))s"
