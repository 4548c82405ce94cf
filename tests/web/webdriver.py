"""A small client of the W3C WebDriver protocol, enough to drive Chromium in tests.

chromedriver (Debian's `chromium-driver`) speaks WebDriver over HTTP and JSON, which the
standard library reaches; no client package is needed (selenium 4.52, the current one,
requires a certifi newer than the package index serves, and drags in trio and urllib3).
"""

import base64
import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# The W3C name of the element reference in JSON.
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
ENTER = "\ue007"


class WebDriverError(Exception):
    pass


class Element:
    """An element of the page, as the browser refers to it."""

    def __init__(self, browser: "Browser", ref: str):
        self.browser, self.ref = browser, ref

    def _call(self, method: str, path: str = "", body: dict | None = None):
        return self.browser._call(method, f"/element/{self.ref}{path}", body)

    def click(self) -> None:
        self._call("POST", "/click", {})

    def type(self, text: str) -> None:
        self._call("POST", "/value", {"text": text})

    @property
    def text(self) -> str:
        return self._call("GET", "/text")

    def attribute(self, name: str) -> str | None:
        return self._call("GET", f"/attribute/{name}")

    def property(self, name: str):
        return self._call("GET", f"/property/{name}")

    def find_all(self, css: str) -> list["Element"]:
        found = self._call("POST", "/elements", {"using": "css selector", "value": css})
        return [Element(self.browser, f[ELEMENT]) for f in found]


class Browser:
    """A headless Chromium session driven through chromedriver on a loopback port."""

    def __init__(self, port: int, width: int = 1280, height: int = 900):
        self.base = f"http://127.0.0.1:{port}"
        self.driver = subprocess.Popen(
            [str(CHROMEDRIVER), f"--port={port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_for_driver()
        options = {
            "binary": str(CHROMIUM),
            "args": [
                "--headless=new",
                "--no-sandbox",  # tests run as root in CI
                "--disable-gpu",
                "--disable-dev-shm-usage",
                f"--window-size={width},{height}",
                "--lang=vi",
            ],
        }
        capabilities = {"browserName": "chrome", "goog:chromeOptions": options}
        session = self._post("/session", {"capabilities": {"alwaysMatch": capabilities}})
        self.base += f"/session/{session['sessionId']}"

    def _wait_for_driver(self, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/status", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise WebDriverError("chromedriver did not start")

    def _post(self, path: str, body: dict):
        return self._send("POST", self.base + path, body)

    def _call(self, method: str, path: str, body: dict | None = None):
        return self._send(method, self.base + path, body)

    def _send(self, method: str, url: str, body: dict | None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            url, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as error:
            with error:
                value = json.loads(error.read()).get("value", {})
            raise WebDriverError(f"{value.get('error')}: {value.get('message')}") from None

    def open(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    @property
    def url(self) -> str:
        return self._call("GET", "/url")

    def find_all(self, css: str) -> list[Element]:
        found = self._call("POST", "/elements", {"using": "css selector", "value": css})
        return [Element(self, f[ELEMENT]) for f in found]

    def wait_for(self, css: str, seconds: float = 10) -> list[Element]:
        """The elements matching `css`, waiting until there is at least one."""
        deadline = time.monotonic() + seconds
        while True:
            found = [e for e in self.find_all(css) if e._call("GET", "/displayed")]
            if found:
                return found
            if time.monotonic() > deadline:
                raise WebDriverError(f"nothing shown matches {css!r} after {seconds} s")
            time.sleep(0.05)

    def run(self, script: str, *args):
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def resize(self, width: int, height: int) -> None:
        self._call("POST", "/window/rect", {"width": width, "height": height})

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self._call("GET", "/screenshot")))

    def quit(self) -> None:
        try:
            self._call("DELETE", "")
        finally:
            self.driver.terminate()
            self.driver.wait(timeout=20)
