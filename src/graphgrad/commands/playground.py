"""`graphgrad playground`: 001's TensorFlow Playground demo on graphgrad, in the browser.

Starts a local web server (Starlette + uvicorn, the `playground` extra: pip install
'graphgrad[playground]') and opens the page; the network trains in Python with graphgrad.
"""
import argparse
import importlib.util
import os
import socket
import sys

EXTRA = "pip install 'graphgrad[playground]'"


def _port(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be from 0 to 65535, got {value}")
    return value


def register(sub):
    parser = sub.add_parser("playground", help="train small networks on 2-D data in the "
                                               "browser and watch every neuron (001's demo)")
    parser.add_argument("--port", type=_port, default=8000, help="TCP port (8000)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (127.0.0.1: this computer only)")
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open the page in the web browser")
    parser.set_defaults(func=run)


def run(args):
    missing = [m for m in ("starlette", "uvicorn", "websockets")
               if importlib.util.find_spec(m) is None]
    if missing:
        print(f"graphgrad playground: needs {', '.join(missing)}: {EXTRA}", file=sys.stderr)
        return 1
    try:
        if args.port:                # said in one line here rather than by uvicorn's log
            socket.create_server((args.host, args.port)).close()
    except OSError as e:
        print(f"graphgrad playground: cannot listen on {args.host}:{args.port}: "
              f"{os.strerror(e.errno) if e.errno else e} (try another --port)", file=sys.stderr)
        return 1
    from ..playground.app import serve
    return serve(args.host, args.port, open_browser=not args.no_browser)
