#!/bin/sh
# Answers every request with the pod that served it.
printf 'Content-Type: application/json\r\n\r\n'
printf '{"pod":"%s","version":"%s"}\n' "$POD_NAME" "$VERSION"
