"""Open each HTML report in headless Chromium and check it as a reader would see it.

Usage: python tools/browser_check.py reports/<id>/index.html [...]

For each report: no console error or uncaught exception, every <img> decoded with a size,
every image has alt text, nothing is wider than the window (tables scroll inside their
box), and no request left the machine (the report must be self-contained). Saves a
full-page screenshot (screen) and one with print styles next to the report
(screenshot.png, screenshot-print.png). Exit status 1 on any failure.

Talks to Chromium through the DevTools protocol over a WebSocket, with the standard library
only. Needs Chromium (Debian: apt-get install chromium); set CHROMIUM to another binary.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--remote-debugging-port=0",
]

OVERFLOW_JS = """JSON.stringify((() => {
  const width = document.documentElement.clientWidth;
  const wide = Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.scroll'))
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
         (e.className ? '.' + String(e.className).split(' ')[0] : ''));
  return {scroll: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 5)};
})())"""

IMAGES_JS = """JSON.stringify(Array.from(document.images).map(i => ({
  alt: i.getAttribute('alt'), complete: i.complete, width: i.naturalWidth,
  height: i.naturalHeight, id: (i.closest('figure') || {}).id || ''})))"""


class WebSocket:
    """A minimal RFC 6455 client: text frames out (masked), text frames in."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        parts = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("websocket handshake failed")
            response += chunk
        if b" 101 " not in response.split(b"\r\n", 1)[0]:
            raise ConnectionError(response.decode(errors="replace"))
        self.buffer = response.split(b"\r\n\r\n", 1)[1]

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("websocket closed")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def send(self, text: str) -> None:
        payload = text.encode()
        header = bytearray([0x81])
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes(header) + mask + masked)

    def receive(self) -> str:
        message = b""
        while True:
            first, second = self._read(2)
            opcode, n = first & 0x0F, second & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            if opcode == 0x8:
                raise ConnectionError("websocket closed by the browser")
            if opcode == 0x9:  # ping: answer, keep reading
                self.sock.sendall(bytes([0x8A, 0x80]) + os.urandom(4))
                continue
            message += payload
            if first & 0x80:
                return message.decode()


class Page:
    """One browser tab driven over the DevTools protocol."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == event for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {event} within {timeout} s")
            self.events.append(json.loads(self.ws.receive()))


def start_chromium(profile: Path) -> tuple[subprocess.Popen[bytes], int]:
    binary = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(binary).exists() and not shutil.which(binary):
        sys.exit("chromium not found: install Debian's chromium package or set CHROMIUM")
    proc = subprocess.Popen(
        [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text().strip():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            sys.exit("chromium did not start")
        time.sleep(0.1)
    return proc, int(port_file.read_text().split()[0])


def open_page(port: int) -> Page:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT")
    with urllib.request.urlopen(request, timeout=30) as response:
        target = json.load(response)
    return Page(WebSocket(target["webSocketDebuggerUrl"]))


def screenshot(page: Page, path: Path, media: str) -> None:
    page.call("Emulation.setEmulatedMedia", media=media)
    width = 1100 if media == "screen" else 794  # A4 at 96 dpi
    page.call(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    height = page.call(
        "Runtime.evaluate", expression="document.documentElement.scrollHeight", returnByValue=True
    )["result"]["value"]
    page.call(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=int(height),
        deviceScaleFactor=1,
        mobile=False,
    )
    shot = page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def check(page: Page, report: Path) -> list[str]:
    """Load one report; return the problems found."""
    page.events.clear()
    page.call("Emulation.setEmulatedMedia", media="screen")
    page.call(
        "Emulation.setDeviceMetricsOverride",
        width=1100,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    url = report.resolve().as_uri()
    page.call("Page.navigate", url=url)
    page.wait_for("Page.loadEventFired")
    problems: list[str] = []
    images = json.loads(
        page.call("Runtime.evaluate", expression=IMAGES_JS, returnByValue=True)["result"]["value"]
    )
    if not images:
        problems.append("no images in the report")
    for i, image in enumerate(images, start=1):
        where = image["id"] or f"image {i}"
        if not (image["complete"] and image["width"] > 0 and image["height"] > 0):
            problems.append(f"{where}: image did not render")
        if not (image["alt"] or "").strip():
            problems.append(f"{where}: no alt text")
    overflow = json.loads(
        page.call("Runtime.evaluate", expression=OVERFLOW_JS, returnByValue=True)["result"]["value"]
    )
    if overflow["scroll"] > overflow["width"]:
        problems.append(
            f"page wider than the window ({overflow['scroll']} > "
            f"{overflow['width']} px): {', '.join(overflow['wide'])}"
        )
    for event in page.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            problems.append(f"uncaught exception: {params['exceptionDetails'].get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            problems.append(f"console {params['type']}: {text}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            problems.append(f"console error: {params['entry'].get('text')}")
        elif method == "Network.requestWillBeSent":
            target = params["request"]["url"]
            if not target.startswith(("file:", "data:", "about:")):
                problems.append(f"network request: {target}")
    screenshot(page, report.parent / "screenshot.png", "screen")
    screenshot(page, report.parent / "screenshot-print.png", "print")
    print(
        f"  {report}: {len(images)} images, "
        f"{'ok' if not problems else f'{len(problems)} problem(s)'}; "
        f"screenshots in {report.parent}/screenshot*.png"
    )
    return problems


def main(argv: list[str]) -> int:
    reports = [Path(a) for a in argv]
    if not reports:
        print(__doc__)
        return 2
    missing = [str(r) for r in reports if not r.is_file()]
    if missing:
        print(f"not found: {', '.join(missing)}")
        return 2
    failures = 0
    with tempfile.TemporaryDirectory(prefix="lifestyle-trials-chromium-") as profile:
        proc, port = start_chromium(Path(profile))
        try:
            page = open_page(port)
            for domain in ("Page", "Runtime", "Log", "Network"):
                page.call(f"{domain}.enable")
            for report in reports:
                for problem in check(page, report):
                    failures += 1
                    print(f"    FAIL {problem}")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    print("browser check: " + ("passed" if not failures else f"{failures} problem(s)"))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
