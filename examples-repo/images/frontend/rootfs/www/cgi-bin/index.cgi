#!/bin/sh
# Calls the backend by its Service's DNS name and says who answered.
if body=$(http-get "$BACKEND_URL" 2>&1); then
  printf 'Content-Type: text/plain\r\n\r\n'
  printf 'frontend %s -> backend %s\n' "$POD_NAME" "$body"
else
  printf 'Status: 502 Bad Gateway\r\nContent-Type: text/plain\r\n\r\n'
  printf 'frontend %s: backend unreachable: %s\n' "$POD_NAME" "$body"
fi
