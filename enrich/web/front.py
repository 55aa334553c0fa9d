"""The front `python -m enrich serve` puts before gunicorn: nginx, as gunicorn's documentation asks for.

gunicorn's threads must never wait on a client: nginx reads each request whole (headers and body, to a file past
its buffer) before gunicorn sees it, and takes the answer at once, however slowly the client reads it. A request
must arrive whole, headers and body, within ENRICH_CLIENT_TIMEOUT_S of its start (the body's deadline needs
nginx's Lua module; without it a client is cut when it sends nothing for that long), and a client that reads
nothing of its answer for that long is cut too: nginx closes the connection. gunicorn listens on a Unix socket in
a private folder, so every request the app sees came through the front, whose X-Forwarded-For entry is trusted.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
from collections.abc import Sequence
from pathlib import Path

from config.settings import Settings
from enrich.errors import ConfigError

NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
MODULE_DIRS = ("/usr/lib/nginx/modules", "/usr/lib64/nginx/modules", "/usr/local/nginx/modules")
LUA_MODULES = ("ndk_http_module.so", "ngx_http_lua_module.so")  # Debian: libnginx-mod-http-lua
UPSTREAM_ENV = "ENRICH_UPSTREAM_SOCKET"  # set by `serve` for its gunicorn: the socket to bind instead of HOST:PORT
JOBS_ROUTE = "/v1/jobs"
UNPRIVILEGED = ("www-data", "nginx", "nobody")  # who nginx's workers run as when `serve` runs as root


def worker_user() -> tuple[str, str, int, int] | None:
    """Started as root, nginx runs its workers as an unprivileged user: (user, group, uid, gid) of the first that
    exists; None when not root (the workers stay this user)."""
    if os.geteuid() != 0:
        return None
    for name in UNPRIVILEGED:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return name, grp.getgrgid(entry.pw_gid).gr_name, entry.pw_uid, entry.pw_gid
    return None


def nginx_binary() -> str:
    """The nginx executable, or ConfigError saying how to get one (or to run without a front)."""
    for candidate in NGINX_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise ConfigError("ENRICH_FRONT=nginx needs nginx to buffer slow clients before gunicorn (Debian: apt-get "
                      "install nginx-light; `make install` does it where it can), or set ENRICH_FRONT=none to serve "
                      "with gunicorn alone, unprotected from slow clients")


def lua_modules() -> tuple[Path, ...]:
    """The nginx Lua module and its kit, where installed: they give requests a deadline for the whole body."""
    for folder in map(Path, MODULE_DIRS):
        found = tuple(folder / name for name in LUA_MODULES)
        if all(path.exists() for path in found):
            return found
    return ()


# nginx's own body timeout runs between two reads, so a client sending a byte every few seconds would be held for
# as long as its Content-Length lasts. With the Lua module, the body is read here with one deadline for the whole
# request (headers included, from its start): past ENRICH_CLIENT_TIMEOUT_S the connection is closed (408). The
# body goes on to gunicorn as nginx would send it (spilled to a temporary file past client_body_buffer_size). A
# chunked body (no Content-Length) is left to nginx's own reading.
_BODY_DEADLINE = """access_by_lua_block {{
            local length = tonumber(ngx.var.http_content_length)
            if not length or length <= 0 then return end
            local deadline = ngx.req.start_time() + {timeout}
            local sock, err = ngx.req.socket()
            if not sock then return ngx.exit(400) end
            ngx.req.init_body()
            while length > 0 do
                local wait = deadline - ngx.now()
                if wait <= 0 then return ngx.exit(408) end
                sock:settimeout(wait * 1000)
                local data, failure = sock:receiveany(math.min(length, 65536))
                if not data then return ngx.exit(failure == "timeout" and 408 or 400) end
                ngx.req.append_body(data)
                length = length - #data
            end
            ngx.req.finish_body()
        }}"""


def _error(status: int, code: str, message: str, extra: str = "") -> str:
    """A location answering the service's one error shape (README, "Errors") for errors the front raises itself."""
    body = json.dumps({"error": {"code": code, "message": message}}).replace("'", "\\'")
    return (f"        location = /.front/{status} {{\n            internal;\n"
            f"            default_type application/json;\n{extra}            return {status} '{body}';\n        }}\n")


# The methods each route takes, for the Allow header of the front's own 405 (nginx refuses TRACE itself).
_ALLOW = """    map $request_uri $front_allow {
        default "GET, HEAD, OPTIONS";
        ~^/v1/(enrich|jobs)(\\?|$) "OPTIONS, POST";
    }"""


def _listen(host: str, port: int) -> str:
    host = host.strip("[]")
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def config(settings: Settings, folder: Path, upstream: Path, user: tuple[str, str, int, int] | None = None,
           lua: Sequence[Path] = ()) -> str:
    """nginx.conf for this service: listen on HOST:PORT, pass everything to gunicorn on `upstream`, buffered; with
    `lua` (the modules' paths, lua_modules()) a deadline for each whole request."""
    runs_as = f"user {user[0]} {user[1]};\n" if user else ""
    modules = "".join(f"load_module {path};\n" for path in lua)
    deadline = "        " + _BODY_DEADLINE.format(timeout=settings.client_timeout_s) + "\n" if lua else ""
    timeout = settings.client_timeout_s
    # Behind trusted proxies (a TLS load balancer), the scheme the client used is theirs to say; otherwise ours.
    forwarded_proto = ("map $http_x_forwarded_proto $forwarded_proto {\n        default $http_x_forwarded_proto;\n"
                       "        \"\" $scheme;\n    }" if settings.trusted_proxies else "map $scheme $forwarded_proto "
                       "{\n        default $scheme;\n    }")
    proxied = """proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $forwarded_proto;
            proxy_set_header X-Forwarded-Ssl "";  # gunicorn reads the scheme from these too: only ours counts
            proxy_set_header X-Forwarded-Protocol "";
            proxy_request_buffering on;
            proxy_buffering on;"""
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                           "scgi"))
    errors = "".join(_error(*e) for e in (
        (400, "bad_request", "the request is malformed"),
        (405, "method_not_allowed", "this route does not take that method: see the Allow header",
         "            add_header Allow $front_allow always;\n"),
        (414, "too_large", "the request line (the URL) is longer than 16 KB"),
        (431, "too_large", "the request's headers are larger than 16 KB"),
        (413, "too_large", f"the body is over ENRICH_MAX_BODY_BYTES ({settings.max_body_bytes} bytes; "
                           f"{settings.max_job_body_bytes} for POST {JOBS_ROUTE})"),
        (502, "unavailable", "the application server is not answering; try again shortly"),
        (504, "unavailable", "the application server did not answer in time; try again shortly")))
    return f"""# Written by `python -m enrich serve` (enrich/web/front.py) for this run only.
{modules}{runs_as}worker_processes 1;
daemon off;
pid {folder / "nginx.pid"};
error_log stderr error;
events {{
    worker_connections 4096;
}}
http {{
    access_log off;  # the app logs every request it answers (JSON lines)
    server_tokens off;
{temp}
    client_header_timeout {timeout}s;
    client_body_timeout {timeout}s;
    send_timeout {timeout}s;
    keepalive_timeout 5s;
    client_body_buffer_size 256k;
    large_client_header_buffers 4 16k;
    proxy_connect_timeout 5s;
    proxy_read_timeout 60s;  # gunicorn replaces a worker silent for 30 s (its timeout); past this: a JSON 504
    proxy_buffers 16 16k;
    {forwarded_proto}
{_ALLOW}
    upstream app {{
        server unix:{upstream};
        keepalive 32;
    }}
    server {{
        listen {_listen(settings.host, settings.port)} backlog=4096;
        client_max_body_size {settings.max_body_bytes};
        error_page 400 /.front/400;
        error_page 405 /.front/405;
        error_page 413 /.front/413;
        error_page 414 /.front/414;
        error_page 494 =431 /.front/431;
        error_page 502 /.front/502;
        error_page 504 /.front/504;
{deadline}        location / {{
            {proxied}
        }}
        location = {JOBS_ROUTE} {{
            client_max_body_size {settings.max_job_body_bytes};
            {proxied}
        }}
{errors}    }}
}}
"""
