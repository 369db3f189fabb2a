#!/bin/sh
# Prints a VIPHeartbeat envelope (type 4, V 38) stamped now: VIP owners expire 60 s after their timestamp,
# so a heartbeat must be fresh to show up. Usage:
#   sh examples/vip-heartbeat.sh | curl -H 'Authorization: Bearer dev-store-token' -X POST http://127.0.0.1:8787/v1/messages -d @-
now=$(date +%s)
printf '{"type":4,"payload":{"v":38,"vip":"fd15:d710:2:5::10","owners":{"m1":%s},"timestamp":%s}}\n' "$now" "$now"
