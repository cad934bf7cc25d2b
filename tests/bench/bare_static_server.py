"""A bare static file server over the same aiohttp the media edge uses, for a baseline: no token,
no path checks, no playlist rewriting. `python -m tests.bench.bare_static_server ROOT PORT`."""

from __future__ import annotations

import sys

from aiohttp import web


def main() -> None:
    root, port = sys.argv[1], int(sys.argv[2])
    app = web.Application()
    app.add_routes([web.static("/hls", root)])
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
