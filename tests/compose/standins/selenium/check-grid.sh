#!/bin/sh
# Selenium's /opt/bin/check-grid.sh --host H --port P: exit 0 when the WebDriver endpoint
# reports itself ready.
host=localhost port=4444
while [ $# -gt 0 ]; do
    case "$1" in
        --host) host="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        *) shift ;;
    esac
done
curl -fsS "http://$host:$port/status" | grep -Eq '"ready": ?true'
