"""devtools/nginx.py turns deploy/nginx.conf into the config local_run.sh --replicas runs: the same server
block with this machine's listen line and upstreams, in a main context nginx accepts unprivileged."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from devtools import nginx

SAMPLE = """upstream api {
    least_conn;
    server api-1:8000 max_fails=3 fail_timeout=10s;
    server api-2:8000 max_fails=3 fail_timeout=10s;
    keepalive 32;
}
server {
    listen 80 default_server;
    location / { proxy_pass http://api; }
}
"""


def test_upstream_servers_and_listen_line_are_replaced_keeping_the_server_parameters():
    text = nginx.server_block("127.0.0.1:5000", ["127.0.0.1:6001", "127.0.0.1:6002", "127.0.0.1:6003"], SAMPLE)
    assert re.findall(r"^\s*server\s+(\S+) max_fails=3 fail_timeout=10s;$", text, re.M) == [
        "127.0.0.1:6001",
        "127.0.0.1:6002",
        "127.0.0.1:6003",
    ]
    assert "api-1" not in text and "api-2" not in text
    assert "    listen 127.0.0.1:5000;" in text and "listen 80" not in text
    assert "least_conn;" in text and "keepalive 32;" in text and "proxy_pass http://api;" in text


@pytest.mark.parametrize(
    "broken, message",
    [
        (SAMPLE.replace("upstream api", "# no upstream"), "no upstream block"),
        (re.sub(r"    server api-\d:8000[^\n]*\n", "", SAMPLE), "lists no server"),
        (SAMPLE.replace("    listen 80 default_server;\n", ""), "exactly one listen line"),
    ],
)
def test_a_server_block_it_cannot_adapt_is_an_error_not_a_silent_copy(broken, message):
    with pytest.raises(ValueError, match=message):
        nginx.server_block("127.0.0.1:5000", ["127.0.0.1:6001"], broken)


def test_the_rendered_config_of_the_repository_passes_nginx_own_check(tmp_path):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    path = nginx.render(tmp_path / "nginx", "127.0.0.1:5000", ["127.0.0.1:6001", "127.0.0.1:6002"])
    main = path.read_text()
    assert re.search(r"^\s*add_header X-Upstream \$upstream_addr always;", main, re.M)
    assert f"include {tmp_path / 'nginx' / 'trackbase.conf'};" in main
    assert "@" not in re.sub(r"#[^\n]*", "", main), "every placeholder is filled in"
    done = subprocess.run([binary, "-t", "-p", str(path.parent), "-c", str(path), "-e", "stderr"],
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr
