"""gunicorn's settings for the `web` role (scripts/entrypoint web): read from the
environment with the same readers as the Django settings, so a malformed value stops
the server with the variable's name. The README's Deployment section lists them."""

from __future__ import annotations

import os

from config.env import env_int, env_list, env_str

wsgi_app = "config.wsgi:application"
# Every interface inside the container; the port is the image's EXPOSE.
bind = env_list("FEEDLOOP_WEB_BIND", ["0.0.0.0:8000"])
workers = env_int("FEEDLOOP_WEB_WORKERS", 2, minimum=1)
threads = env_int("FEEDLOOP_WEB_THREADS", 4, minimum=1)
# A request still running after `timeout` seconds has its worker restarted; on SIGTERM
# (a rolling deploy) requests in flight get `graceful_timeout` seconds to finish.
timeout = env_int("FEEDLOOP_WEB_TIMEOUT", 60, minimum=1)
graceful_timeout = env_int("FEEDLOOP_WEB_GRACEFUL_TIMEOUT", 30, minimum=1)
keepalive = 5
# The proxies whose X-Forwarded-Proto/-For gunicorn believes (comma-separated addresses
# or networks, `*` for any: only when nothing but the proxy can reach the container).
forwarded_allow_ips = env_str("FEEDLOOP_WEB_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# One line per request, and errors, on the container's output.
accesslog = "-"
errorlog = "-"
loglevel = env_str("FEEDLOOP_WEB_LOG_LEVEL", "info")
# Worker heartbeats in memory, not on the container's (possibly slow, overlay) disk, as
# gunicorn advises for containers; only the heartbeat files, no data, go there.
_SHM = "/dev/shm"  # noqa: S108
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
# No runtime control socket (gunicornc): nothing uses it, and it needs a writable home.
control_socket_disable = True
