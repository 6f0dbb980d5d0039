#!/usr/bin/env bash
# What the test suites need on this machine, checked before each run (package.json "pretest" and, with --chaos,
# "pretest:chaos"; .ci/run's services step). Quiet and quick when everything is there.
#   npm test:            PostgreSQL and Redis answering where the tests connect (TEST_PG_ADMIN_URL, TEST_REDIS_URL;
#                        test/setup/services.mjs asks them), redis-server (tests start private ones), a Chromium
#                        (CHROMIUM_PATH or /usr/bin/chromium: test/console.browser.test.ts), Dovecot at /usr/sbin/dovecot
#                        (test/helpers/dovecot.ts) and swaks (test/inbound.crash.test.ts).
#   npm run test:chaos:  PostgreSQL, Redis, redis-server, and initdb + pg_ctl (test/chaos/postgres.ts).
# What is missing is fixed when it can be: a local PostgreSQL or Redis that is installed but stopped is started,
# and as root on Debian/Ubuntu missing packages are installed with apt-get (a PostgreSQL installed here is set to
# trust logins from this machine, as the tests log in as postgres without a password). Otherwise one line on
# stderr names what to install, and the exit status is 1.
# --no-install (or TEST_NO_INSTALL=1): install and start nothing, only report (test/requirements.test.ts uses it).
# Written for bash 3.2 as well (macOS): no associative arrays, no empty "${a[@]}" under set -u.
set -uo pipefail

chaos=0
act=1
[ "${TEST_NO_INSTALL:-}" = "" ] || [ "${TEST_NO_INSTALL:-}" = "0" ] || act=0
for arg in "$@"; do
  case "$arg" in
    --chaos) chaos=1 ;;
    --no-install) act=0 ;;
    *)
      echo "requirements.sh: unknown argument $arg (use --chaos, --no-install)" >&2
      exit 2
      ;;
  esac
done
label="npm test"
[ $chaos -eq 0 ] || label="npm run test:chaos"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root=0
[ "$(id -u)" = "0" ] && root=1
has() { command -v "$1" >/dev/null 2>&1; }
debian=0
has apt-get && debian=1
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
dovecot=/usr/sbin/dovecot

is_local() { case "$1" in 127.0.0.1 | localhost | ::1) return 0 ;; *) return 1 ;; esac; }

# initdb and pg_ctl where test/chaos/postgres.ts looks: the PATH, then Debian's /usr/lib/postgresql/<major>/bin
pg_bin_dir() {
  if has initdb && has pg_ctl; then return 0; fi
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && return 0
  done
  return 1
}

# The Debian cluster listening on port $1 and whether it is online: "15 main online"
cluster_on_port() {
  has pg_lsclusters || return 1
  pg_lsclusters -h 2>/dev/null | while read -r ver name port status _; do
    [ "$port" = "$1" ] && echo "$ver $name $status" && break
  done
}

need() { needs="${needs:+$needs, }$1"; }
pkg() { case " $pkgs " in *" $1 "*) ;; *) pkgs="${pkgs:+$pkgs }$1" ;; esac; }

# Fills: needs (", "-joined items for the one line), pkgs (Debian packages that would provide them), and the
# services to start: pg_port / redis_port (empty when nothing to start)
check() {
  needs=""
  pkgs=""
  pg_port=""
  redis_port=""
  local probe kind st host port why
  if ! probe="$(node "$here/services.mjs" 2>&1)"; then
    need "a working node_modules (npm install; test/setup/services.mjs failed: ${probe%%$'\n'*})"
    probe=""
  fi
  while IFS=$'\t' read -r kind st host port why; do
    [ -n "$kind" ] || continue
    if [ "$kind" = postgres ]; then
      if [ "$st" = down ] && is_local "$host"; then
        pg_port="$port"
        if has pg_ctlcluster; then
          need "PostgreSQL running on $host:$port (it is installed but not answering: start it, or set TEST_PG_ADMIN_URL)"
        else
          need "postgresql (running on $host:$port, or set TEST_PG_ADMIN_URL)"
          pkg postgresql
        fi
      elif [ "$st" = down ]; then
        need "PostgreSQL at $host:$port (TEST_PG_ADMIN_URL: $why)"
      else
        need "PostgreSQL at $host:$port to let the tests log in ($why: allow it, e.g. trust 127.0.0.1 in pg_hba.conf, or set TEST_PG_ADMIN_URL)"
      fi
    else
      if [ "$st" = down ] && is_local "$host"; then
        redis_port="$port"
        has redis-server && need "Redis running on $host:$port (redis-server is installed but not answering: start it, or set TEST_REDIS_URL)"
      elif [ "$st" = down ]; then
        need "Redis at $host:$port (TEST_REDIS_URL: $why)"
      else
        need "Redis at $host:$port to answer PING ($why: check TEST_REDIS_URL)"
      fi
    fi
  done <<<"$probe"

  if ! has redis-server; then
    need "redis-server"
    pkg redis-server
  fi
  if [ $chaos -eq 1 ]; then
    if ! pg_bin_dir; then
      need "initdb and pg_ctl (postgresql)"
      pkg postgresql
    fi
    return
  fi
  if [ ! -x "$chromium" ]; then
    if [ -n "${CHROMIUM_PATH:-}" ]; then
      need "chromium at $chromium (CHROMIUM_PATH names no executable)"
    else
      need "chromium (or set CHROMIUM_PATH)"
      pkg chromium
    fi
  fi
  if [ ! -x "$dovecot" ]; then
    need "dovecot-imapd ($dovecot)"
    pkg dovecot-imapd
  fi
  if ! has swaks; then
    need "swaks"
    pkg swaks
  fi
}

# A cluster we just installed: let this machine's TCP logins in without a password (Debian's default is
# scram-sha-256, and the tests log in as postgres with none)
trust_local_logins() {
  local hba="/etc/postgresql/$1/$2/pg_hba.conf"
  [ -f "$hba" ] || return 0
  sed -i -E 's#^(host[[:space:]]+all[[:space:]]+all[[:space:]]+(127\.0\.0\.1/32|::1/128)[[:space:]]+)[a-z0-9-]+[[:space:]]*$#\1trust#' "$hba"
  echo "requirements: PostgreSQL $1/$2 now trusts logins from 127.0.0.1 and ::1 ($hba)" >&2
}

fix() {
  local had_pg=0 ver name st _
  has pg_ctlcluster && had_pg=1
  if [ -n "$pkgs" ] && [ $root -eq 1 ] && [ $debian -eq 1 ]; then
    echo "requirements: apt-get install $pkgs" >&2
    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
  fi
  if [ -n "$pg_port" ] && [ $root -eq 1 ] && has pg_ctlcluster; then
    read -r ver name st <<<"$(cluster_on_port "$pg_port")"
    if [ -n "$ver" ]; then
      if [ $had_pg -eq 0 ]; then
        trust_local_logins "$ver" "$name"
        [ "$st" != online ] || pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" reload >&2 || true
      fi
      if [ "$st" != online ]; then
        echo "requirements: starting PostgreSQL $ver/$name on port $pg_port" >&2
        pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2 || true
      fi
    fi
  fi
  if [ -n "$redis_port" ] && has redis-server; then
    echo "requirements: starting redis-server on 127.0.0.1:$redis_port (no persistence)" >&2
    redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no >/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
      sleep 0.2
    done
  fi
}

check
[ -n "$needs" ] || exit 0
if [ $act -eq 1 ]; then
  fix
  check
  [ -n "$needs" ] || exit 0
fi
hint=""
if [ -n "$pkgs" ]; then
  if [ $debian -eq 1 ]; then
    hint="; install with: sudo apt-get install -y $pkgs"
  else
    hint=" (Debian package names)"
  fi
fi
echo "$label needs: $needs$hint" >&2
exit 1
