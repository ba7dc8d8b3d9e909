"""Run the sandbox: ``python -m mobile_backend.sandbox --port 8100``."""

import argparse
import logging

from werkzeug.serving import run_simple

from .app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Poynt Cloud and FCM sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--data-dir", default="instance/sandbox")
    parser.add_argument(
        "--base-url", help="the sandbox's public URL (default http://HOST:PORT)"
    )
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    base_url = args.base_url or f"http://{args.host}:{args.port}"
    app = create_app(args.data_dir, base_url)
    try:
        run_simple(args.host, args.port, app, threaded=True)
    finally:
        app.extensions["sandbox"].shutdown()


if __name__ == "__main__":
    main()
