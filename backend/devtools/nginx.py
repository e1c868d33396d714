"""The nginx that `./local_run.sh --replicas N` puts in front of the API replicas on this machine.

One source for the proxy settings: the server block is deploy/nginx.conf, the one docker compose
mounts, with its listen line and upstream servers replaced; deploy/nginx-local.conf wraps it in a
main context that keeps pid, logs and temp files in one folder, so nginx runs as any user:

    python -m devtools.nginx --dir DIR --listen 127.0.0.1:5000 --upstream 127.0.0.1:5101 --upstream 127.0.0.1:5102
    nginx -p DIR -c DIR/nginx.conf -e stderr
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SERVER_BLOCK = DEPLOY / "nginx.conf"
MAIN_TEMPLATE = DEPLOY / "nginx-local.conf"

_UPSTREAM = re.compile(r"(upstream\s+\w+\s*\{)(.*?)(\})", re.S)
_UPSTREAM_SERVER = re.compile(r"^(\s*)server\s+\S+((?:\s+[^;\s]+)*)\s*;\n", re.M)
_LISTEN = re.compile(r"^(\s*)listen\s+[^;]+;", re.M)


def server_block(listen: str, upstreams: list[str], text: str | None = None) -> str:
    """deploy/nginx.conf with `listen` and one upstream server line per address (keeping the
    parameters of the file's own server lines, e.g. max_fails)."""
    if not upstreams:
        raise ValueError("at least one upstream address is needed")
    text = SERVER_BLOCK.read_text() if text is None else text
    upstream = _UPSTREAM.search(text)
    if upstream is None:
        raise ValueError("deploy/nginx.conf has no upstream block")
    servers = list(_UPSTREAM_SERVER.finditer(upstream.group(2)))
    if not servers:
        raise ValueError("deploy/nginx.conf's upstream block lists no server")
    indent, parameters = servers[0].group(1), servers[0].group(2)
    lines = "".join(f"{indent}server {address}{parameters};\n" for address in upstreams)
    body = upstream.group(2)
    body = body[: servers[0].start()] + lines + _UPSTREAM_SERVER.sub("", body[servers[0].start() :])
    text = text[: upstream.start(2)] + body + text[upstream.end(2) :]
    text, count = _LISTEN.subn(lambda m: f"{m.group(1)}listen {listen};", text)
    if count != 1:
        raise ValueError(f"deploy/nginx.conf must have exactly one listen line (found {count})")
    return text


def render(
    directory: Path, listen: str, upstreams: list[str], *, worker_processes: int = 1, access_log: bool = True
) -> Path:
    """Write DIR/nginx.conf and DIR/trackbase.conf (and the folders nginx writes to); the main config's path."""
    directory = Path(directory).resolve()
    for sub in ("logs", "tmp"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    (directory / "trackbase.conf").write_text(server_block(listen, upstreams))
    main = (
        MAIN_TEMPLATE.read_text()
        .replace("@DIR@", str(directory))
        .replace("@WORKER_PROCESSES@", str(worker_processes))
        .replace("@ACCESS_LOG@", f"{directory}/logs/access.log upstream" if access_log else "off")
    )
    leftover = re.findall(r"@[A-Z_]+@", main)
    if leftover:
        raise ValueError(f"deploy/nginx-local.conf has unknown placeholders: {sorted(set(leftover))}")
    path = directory / "nginx.conf"
    path.write_text(main)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, type=Path, help="folder for the config, pid, logs and temp files")
    parser.add_argument("--listen", required=True, help="address nginx listens on, e.g. 127.0.0.1:5000")
    parser.add_argument("--upstream", action="append", required=True, help="a replica's host:port (repeat)")
    parser.add_argument("--worker-processes", type=int, default=1)
    parser.add_argument("--no-access-log", action="store_true")
    args = parser.parse_args(argv)
    path = render(
        args.dir, args.listen, args.upstream, worker_processes=args.worker_processes, access_log=not args.no_access_log
    )
    print(path)


if __name__ == "__main__":
    main()
