#!/usr/bin/env bash
# Waits until each service's newest revision is ready, or reports why not, without hanging:
# writes /workspace/services.json as [{name, url, revision, ready, error}].
set -uo pipefail
region="$1"; shift
timeout="${WAIT_SECONDS:-300}"
out=/workspace/services.json
echo '[' > "$out"
first=1
for svc in "$@"; do
  ready=false; error=""; url=""; revision=""
  deadline=$(( $(date +%s) + timeout ))
  while :; do
    desc=$(gcloud run services describe "$svc" --region "$region" --format=json 2>&1) || { error="describe failed: ${desc:0:300}"; break; }
    created=$(echo "$desc" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"].get("latestCreatedRevisionName",""))')
    readyrev=$(echo "$desc" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"].get("latestReadyRevisionName",""))')
    url=$(echo "$desc" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"].get("url",""))')
    revision="$created"
    if [ -n "$created" ] && [ "$created" = "$readyrev" ]; then ready=true; break; fi
    failed=$(echo "$desc" | python3 -c 'import json,sys; c=[x for x in json.load(sys.stdin)["status"].get("conditions",[]) if x.get("type")=="Ready" and x.get("status")=="False"]; print(c[0].get("message","") if c else "")')
    if [ -n "$failed" ]; then error="revision $created failed: $failed"; break; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then error="revision $created not ready after ${timeout}s"; break; fi
    sleep 5
  done
  [ $first -eq 1 ] || echo ',' >> "$out"
  first=0
  python3 -c 'import json,sys; print(json.dumps({"name":sys.argv[1],"url":sys.argv[2] or None,"revision":sys.argv[3] or None,"ready":sys.argv[4]=="true","error":sys.argv[5] or None}))' \
    "$svc" "$url" "$revision" "$ready" "$error" >> "$out"
  echo "$svc: ready=$ready ${error}"
done
echo ']' >> "$out"
