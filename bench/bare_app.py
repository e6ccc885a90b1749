"""The baseline: one FastAPI GET route returning a small JSON, served the way codvid is.

Same uvicorn configuration as ``codvid.server.serve`` (our HTTP protocol class, uvloop,
no uvicorn logging, no access log, no server header), but no middleware, no storage and
no auth, so the ratio codvid/bare is what codvid itself adds per request.

    python bench/bare_app.py --port 8099     # GET /ping -> {"message": "pong"}
"""

from __future__ import annotations

import argparse

from fastapi import FastAPI

from codvid.server import listen, run_uvicorn

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"message": "pong"}


def main() -> None:
    parser = argparse.ArgumentParser(description="bare FastAPI baseline for the bench")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    with listen(args.host, args.port) as sock:
        run_uvicorn(app, sock)


if __name__ == "__main__":
    main()
