#!/usr/bin/env bash
# The system peers the test suite talks to (issue 25): run by `npm test` (pretest) and by
# .ci/run. Installs whichever are missing when it can (root and apt-get, as on a fresh Debian
# 12 machine), and starts the shared Redis on 127.0.0.1:6379 if it is down. Where it cannot,
# it names every missing peer and the command that installs them, and fails: a test whose
# peer is missing must never pass or skip silently.
#   promtool + a real Prometheus (metrics/alert tests), amtool (Alertmanager configs),
#   Chromium (status page), redis-server, openssl (TLS test certificates), Postfix and
#   Python's aiosmtpd (the SMTP engine's real peers; tests start private instances).
# TEST_PEERS=skip leaves the machine alone (a developer running one spec).
set -euo pipefail
[ "${TEST_PEERS:-}" = skip ] && exit 0

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/sbin/postfix ] || missing+=(postfix)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test peers: installing ${missing[*]}"
    apt-get update -qq
    # Postfix asks debconf questions: answer "Local only" without a terminal.
    echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections 2>/dev/null || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing test peers: ${missing[*]}" >&2
    echo "install them (Debian/Ubuntu): sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    echo "(or run npm test as root where apt-get is reachable; TEST_PEERS=skip to run anyway)" >&2
    exit 1
  fi
fi

# The shared Redis on 127.0.0.1:6379 (node-svc machines run it; started here if it is down).
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/tests.log
  else
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir "${TMPDIR:-/tmp}" --logfile "${TMPDIR:-/tmp}/mailwatch-tests-redis.log"
  fi
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "missing test peer: Redis on 127.0.0.1:6379 (could not start redis-server)" >&2
  exit 1
fi
