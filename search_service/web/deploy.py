"""`search-service deploy systemd|nginx`: the production configuration, filled in.

    systemd_unit  the service under systemd: gunicorn (gevent workers) on a loopback port,
                  as its own user, its secrets in an environment file only root reads
    nginx_site    nginx in front: TLS, requests read whole before they reach the service
                  (slow clients wait in nginx), timeouts, static files, the reader's
                  address passed on in X-Forwarded-For, an access log without query strings

The README's "Deployment" section says where each goes. A test runs the real nginx with
`nginx_site` (without TLS, on a loopback port) in front of the real service.
"""

import dataclasses
import sys
from pathlib import Path
from string import Template

from . import templates_folder

_UNIT = Template("""\
# search-service under systemd (written by `search-service deploy systemd`).
# Install as /etc/systemd/system/search-service.service, then:
#   systemctl daemon-reload && systemctl enable --now search-service
# Logs: journalctl -u search-service (gunicorn's access and error logs, on stdout).
[Unit]
Description=search-service: Vietnamese full-text search of the site's articles
After=network.target

[Service]
User=$user
Group=$user
WorkingDirectory=$home
Environment=SEARCH_SERVICE_INDEX=$index
Environment=SEARCH_SERVICE_BIND=$bind
Environment=SEARCH_SERVICE_PUBLIC_URL=$public_url
# nginx on this machine sets X-Forwarded-For and X-Forwarded-Proto; nobody else is trusted.
Environment=SEARCH_SERVICE_PROXY_HOPS=1
Environment="SEARCH_SERVICE_TRUSTED_PROXIES=127.0.0.1 ::1"
# SEARCH_SERVICE_STAFF_TOKEN and SEARCH_SERVICE_WRITE_TOKEN, one a line (chmod 600).
EnvironmentFile=-/etc/search-service/secrets.env
ExecStart=$python -m search_service serve
ExecReload=/bin/kill -HUP $$MAINPID
# TERM to gunicorn's arbiter, which lets requests in flight finish (30 s), then its workers.
KillMode=mixed
TimeoutStopSec=45
Restart=on-failure
RestartSec=2
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=strict
ProtectHome=read-only
ReadWritePaths=$home

[Install]
WantedBy=multi-user.target
""")

_LOG_FORMAT = Template("""\
# The path without its query string (what readers typed), and no client address: the
# service keeps no personal data about its readers.
log_format search_service '[$$time_local] "$$request_method $$uri $$server_protocol" '
                          '$$status $$body_bytes_sent $$request_time';
""")

_UPSTREAM = Template("""\
upstream search_service {
    server $upstream;
    keepalive 16;
}
""")

_REDIRECT = Template("""\
# Plain HTTP only sends readers to HTTPS (and lets certbot answer its challenges).
server {
    listen 80;
    listen [::]:80;
    server_name $server_name;
    location /.well-known/acme-challenge/ { root /var/www/html; }
    location / { return 301 https://$server_name$$request_uri; }
}
""")

_TLS = Template("""\
    ssl_certificate     $certificate;
    ssl_certificate_key $certificate_key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:search_service:10m;
    add_header Strict-Transport-Security "max-age=31536000" always;
""")

_SERVER = Template("""\
server {
$listen
    server_name $server_name;
$tls
    access_log $log_folder/search-service.access.log search_service;
    error_log $log_folder/search-service.error.log;

    # nginx reads a request whole before it passes it on, so clients that connect and send
    # nothing, or send their headers a byte a second, wait here (for at most these
    # timeouts) and never hold one of the service's workers.
    client_header_timeout 10s;
    client_body_timeout 10s;
    send_timeout 30s;
    keepalive_timeout 15s;
    large_client_header_buffers 4 16k;
    # The write API's limit (SEARCH_SERVICE_MAX_WRITE_BYTES) and a little more.
    client_max_body_size 17m;
    proxy_request_buffering on;
    # Answers are read from the service at once and sent to slow readers from here.
    proxy_buffering on;

    gzip on;
    gzip_types application/json text/css application/javascript text/csv
               application/opensearchdescription+xml;

    location /static/ {
        alias $static/;
        expires 1d;
        add_header X-Content-Type-Options nosniff;
    }

    location / {
        proxy_pass http://search_service;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $$host;
        # The reader's address, replacing any the client sent (which the service would
        # otherwise believe: it trusts this proxy's word).
        proxy_set_header X-Forwarded-For $$remote_addr;
        proxy_set_header X-Forwarded-Proto $$scheme;
        proxy_connect_timeout 5s;
        proxy_send_timeout 30s;
        # Longer than gunicorn's worker timeout (120 s), for the largest CSV export.
        proxy_read_timeout 130s;
    }
}
""")


@dataclasses.dataclass(frozen=True)
class Site:
    """Where the service runs and how readers reach it."""

    server_name: str = "tim-kiem.example.vn"
    upstream: str = "127.0.0.1:8000"
    # Empty: TLS on 443 (and a redirect from 80); else `HOST:PORT` of plain HTTP.
    plain_http: str = ""
    certificate: str = ""
    certificate_key: str = ""
    log_folder: str = "/var/log/nginx"

    @property
    def public_url(self) -> str:
        """The address readers open."""
        if self.plain_http:
            return f"http://{self.plain_http}/"
        return f"https://{self.server_name}/"


def systemd_unit(site: Site, user: str = "search-service", home: str = "") -> str:
    """The systemd unit of the service, running the Python of this installation."""
    home = home or f"/var/lib/{user}"
    return _UNIT.substitute(
        user=user,
        home=home,
        index=f"{home}/index",
        bind=site.upstream,
        public_url=site.public_url,
        python=sys.executable,
    )


def nginx_site(site: Site) -> str:
    """nginx's configuration of the site (for /etc/nginx/sites-available/)."""
    if site.plain_http:
        listen, tls, redirect = f"    listen {site.plain_http};", "", ""
    else:
        listen = "    listen 443 ssl;\n    listen [::]:443 ssl;"
        live = f"/etc/letsencrypt/live/{site.server_name}"
        tls = _TLS.substitute(
            certificate=site.certificate or f"{live}/fullchain.pem",
            certificate_key=site.certificate_key or f"{live}/privkey.pem",
        )
        redirect = _REDIRECT.substitute(server_name=site.server_name) + "\n"
    server = _SERVER.substitute(
        listen=listen,
        server_name=site.server_name,
        tls=tls,
        log_folder=site.log_folder,
        static=static_folder(),
    )
    header = "# search-service behind nginx (written by `search-service deploy nginx`).\n"
    return "\n".join(
        [header, _LOG_FORMAT.substitute(), _UPSTREAM.substitute(upstream=site.upstream)]
    ) + ("\n" + redirect + server)


def static_folder() -> Path:
    """The static files (style, script, icon) of this installation, which nginx serves."""
    return templates_folder() / "static"
