"""Helpers shared by the tests of onboarding, company API keys and webhooks."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


def start_server(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    host, port = server.server_address[:2]
    return server, f"http://{host}:{port}"


def png_bytes(color: str = "red", size: tuple[int, int] = (32, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    img = Image.new("RGB", (40, 30), "blue")
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x9286] = "GPS secret comment"
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()
