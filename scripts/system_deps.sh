#!/usr/bin/env bash
# System packages from Debian's archive: nginx and its Lua module, the front `python -m enrich serve` starts before
# gunicorn, and with --browser Chromium and its driver for the page's browser tests. Installs only what is missing,
# and only as root with apt-get; anywhere else it says what to install and carries on (`make install` runs it;
# `.ci/run` with --browser).
set -euo pipefail
need=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
# nginx's Lua module: a deadline for each whole request body (enrich/web/front.py)
[ -e /usr/lib/nginx/modules/ngx_http_lua_module.so ] || need+=(libnginx-mod-http-lua)
if [ "${1:-}" = "--browser" ]; then
    command -v chromium >/dev/null || need+=(chromium)
    command -v chromedriver >/dev/null || need+=(chromium-driver)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${need[*]} (Debian packages)"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
else
    echo "warning: missing system packages: ${need[*]}; install them (Debian: sudo apt-get install ${need[*]})." \
         "Without nginx, run the web server with ENRICH_FRONT=none (no protection from slow clients)." >&2
fi
