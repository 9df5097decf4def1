#!/usr/bin/env bash
# Takes a PNG of every CamsDesk screen into docs/screenshots/: the real app under Xvfb, against camssim.
#
#   make screenshots          (or: scripts/screenshots.sh [OUTPUT_DIR])
#
# Needs Go, Xvfb (xvfb-run), xdotool and ImageMagick's import: apt-get install xvfb xdotool imagemagick.
# It runs the app with a throw-away home folder and the simulator's own credentials, so no real token
# can appear in a picture. It also prints the start-up time (launch to window on screen) and the idle memory.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/docs/screenshots}
SCREEN=${SCREEN:-1280x860x24}

if [[ -z "${CAMSDESK_SHOTS_INNER:-}" ]]; then
  for tool in xvfb-run xdotool import; do
    command -v "$tool" >/dev/null || { echo "screenshots: $tool is missing: apt-get install xvfb xdotool imagemagick" >&2; exit 1; }
  done
  # Without a session bus, as on a server: the app keeps no tray and every screen is reached from the window.
  exec env -u DBUS_SESSION_BUS_ADDRESS CAMSDESK_SHOTS_INNER=1 xvfb-run -a -s "-screen 0 $SCREEN" "$0" "$OUT"
fi

WORK=$(mktemp -d /tmp/camsdesk-demo.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$OUT" "$WORK/bin"
echo "screenshots: building camsdesk and camssim"
(cd "$ROOT" && go build -o "$WORK/bin/" ./cmd/camsdesk ./cmd/camssim)

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
APP_PORT=$(free_port)
SIM_PORT=$(free_port)
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config XDG_DATA_HOME=$WORK/home/.local/share LANG=C.UTF-8
CONFIG=$XDG_CONFIG_HOME/CamsDesk/config.json
mkdir -p "$(dirname "$CONFIG")"

# Simulator credentials (see camssim serve): they work on no real gateway.
STGID=CAMSSIM000000001
TOKEN=SimulatorAuthToken00000000000001
CB_TOKEN=SimulatorCallbackToken0000000001
ENDPOINT=http://127.0.0.1:$SIM_PORT/external/api3.0/biometric

# window_id waits for the CamsDesk window and prints its id; it fails after 20 s.
window_id() {
  for _ in $(seq 1000); do
    if id=$(xdotool search --onlyvisible --name '^CamsDesk$' 2>/dev/null | head -1) && [[ -n "$id" ]]; then
      echo "$id"; return 0
    fi
    sleep 0.02
  done
  echo "screenshots: the CamsDesk window did not appear" >&2
  return 1
}

# start_app launches camsdesk, waits for its window and sets APP_PID, WIN and STARTUP_MS.
start_app() {
  local t0 t1
  t0=$(date +%s%N)
  "$WORK/bin/camsdesk" --listen "127.0.0.1:$APP_PORT" >>"$WORK/camsdesk.log" 2>&1 &
  APP_PID=$!
  PIDS+=("$APP_PID")
  WIN=$(window_id)
  t1=$(date +%s%N)
  STARTUP_MS=$(( (t1 - t0) / 1000000 ))
  xdotool windowmove "$WIN" 0 0
  sleep 1.5
}

stop_app() {
  kill -TERM "$APP_PID"
  wait "$APP_PID" || { echo "screenshots: camsdesk exited with an error; see its log:" >&2; cat "$WORK/camsdesk.log" >&2; exit 1; }
}

alive() {
  kill -0 "$APP_PID" 2>/dev/null && return 0
  echo "screenshots: camsdesk stopped; the end of its log:" >&2
  tail -40 "$WORK/camsdesk.log" >&2
  exit 1
}

shot() { # shot NAME: the window as OUT/NAME.png
  alive
  timeout 20 import -window "$WIN" "$OUT/$1.png"
  echo "screenshots: $OUT/$1.png"
}

screen() { # screen N: the Nth screen of the navigation (Ctrl+N)
  alive
  xdotool key --window "$WIN" "ctrl+$1"
  sleep "${2:-1.5}"
}

# rest OPERATION_JSON: a RESTful call straight to the simulator, as the gateway's client would make it.
rest() {
  local now
  now=$(TZ=Asia/Kolkata date '+%Y-%m-%d %H:%M:%S GMT +0530')
  curl -fsS -H 'Content-Type: application/json' "$ENDPOINT?stgid=$STGID" \
    -d "{$1,\"OperationID\":\"shots$RANDOM\",\"AuthToken\":\"$TOKEN\",\"Time\":\"$now\"}" >/dev/null
}

# 1. First run: no device yet.
start_app
screen 1
shot 00-first-run
FIRST_MS=$STARTUP_MS
stop_app

# 2. A device served by camssim, sending punches to the app's receiver.
cat >"$CONFIG" <<JSON
{
  "listen": "127.0.0.1:$APP_PORT",
  "devices": [
    {"name": "Main Gate", "restful_endpoint": "$ENDPOINT", "stgid": "$STGID", "auth_token": "$TOKEN",
     "callback_auth_token": "$CB_TOKEN", "time_zone": "Asia/Kolkata"}
  ],
  "default_device": "Main Gate"
}
JSON
"$WORK/bin/camssim" serve --listen "127.0.0.1:$SIM_PORT" --callback "http://127.0.0.1:$APP_PORT/callback" \
  --zone Asia/Kolkata --users 40 --logs 2500 --days 20 --rate 0.5 --delay 500ms --quiet >"$WORK/camssim.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$SIM_PORT/" && break; sleep 0.05; done

start_app
sleep 3
IDLE_KB=$(ps -o rss= -p "$APP_PID" | tr -d ' ')
# Callbacks: the users (UserInfo) and twenty days of attendance (PunchLogBatch) on top of the live punches.
rest '"Resend":{"User":"All"}'
from=$(TZ=Asia/Kolkata date -d '20 days ago' '+%Y-%m-%d 00:00:00')
to=$(TZ=Asia/Kolkata date '+%Y-%m-%d 23:59:59')
rest "\"Resend\":{\"PunchLog\":{\"Filter\":{\"StartTime\":\"$from\",\"EndTime\":\"$to\"}}}"
sleep 4

screen 1; shot 01-status
screen 2; shot 02-devices
screen 3
xdotool key --window "$WIN" ctrl+Return # a send: Load attendance log for the last seven days
sleep 2.5
shot 03-operations
screen 4
xdotool mousemove --window "$WIN" 640 96 click 1 # the newest callback, to show its JSON
sleep 1
shot 04-callback-log
screen 5 2.5; shot 05-punches
screen 6 2.5; shot 06-users
screen 7 3; shot 07-gallery
screen 8 2.5; shot 08-timesheet
screen 9; shot 09-settings

sleep 5
RSS_KB=$(ps -o rss= -p "$APP_PID" | tr -d ' ')
stop_app

echo "screenshots: start-up (launch to window on screen): ${FIRST_MS} ms on an empty folder, ${STARTUP_MS} ms with one device"
echo "screenshots: memory (RSS): $(( IDLE_KB / 1024 )) MB idle after start, $(( RSS_KB / 1024 )) MB after opening every screen"
