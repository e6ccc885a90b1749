"""The baseline: one FastAPI GET route returning a small JSON, served the way codvid is.

Same uvicorn configuration as ``codvid.server.serve`` (our HTTP protocol class, uvloop,
no uvicorn logging, no access log, no server header), but no middleware, no storage and
no auth, so the ratio codvid/bare is what codvid itself adds per request.

    python bench/bare_app.py --port 8099     # GET /ping -> {"message": "pong"}
"""

from __future__ import annotations

import argparse
import importlib.util

import uvicorn
from fastapi import FastAPI

from codvid.server import EnvelopeHttpToolsProtocol

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"message": "pong"}


def main() -> None:
    parser = argparse.ArgumentParser(description="bare FastAPI baseline for the bench")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        http=EnvelopeHttpToolsProtocol,
        loop="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
