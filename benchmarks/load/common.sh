# Shared by run.sh, paired.sh and profile.sh (sourced, not run).

# write_body FILE [stream]: the ~230-byte chat body every load script sends; "stream" adds "stream": true.
write_body() {
  local stream=''; [ "${2:-}" = stream ] && stream=',"stream":true'
  printf '%s' '{"model":"gpt-4o","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello in one short sentence, please."}],"temperature":0.2,"max_tokens":64'"$stream"'}' >"$1"
}

# wait_until_ok NAME URL BODY_FILE APP_KEY: polls for up to 10 s until URL answers 200; exits the script otherwise.
wait_until_ok() {
  local name=$1 url=$2 body=$3 key=$4 code i
  for i in $(seq 1 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" -H 'Content-Type: application/json' --data-binary @"$body" "$url" || true)
    [ "$code" = 200 ] && return 0
    sleep 0.1
  done
  echo "load: $name never answered 200 (last: $code); see its log" >&2
  exit 1
}
