#!/usr/bin/env python3
"""Drives the `siglip serve` web page in headless Chromium (make test-browser).

Starts the server on a free loopback port with the tiny fixture model and an index of the fixture photos,
then, through the Chrome DevTools Protocol over --remote-debugging-pipe (standard library only): types a
query and checks result cards with thumbnails appear; uploads an image to the classify form and checks one
score per label appears with probabilities in [0, 1]. Saves a screenshot. Exits non-zero on any failure.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request


class DevTools:
    """CDP over the pipe pair Chromium reads on fd 3 and writes on fd 4 (messages end with NUL)."""

    def __init__(self, chromium, profile):
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        # The child must see them as fds 3 and 4: a shell moves them there just before exec.
        flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--window-size=1280,900",
                 "--no-first-run", f"--user-data-dir={profile}", "about:blank"]
        self.process = subprocess.Popen(
            ["sh", "-c", f'exec "$0" "$@" 3<&{to_child_r} 4>&{from_child_w}', chromium] + flags,
            pass_fds=(to_child_r, from_child_w), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self.next_id = 0
        self.buffer = b""
        self.session = None

    def call(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            while b"\0" not in self.buffer:
                chunk = os.read(self.from_child, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe")
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
        raise TimeoutError(method)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"page error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(expression)

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        self.process.wait(timeout=10)


def post_json(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--siglip", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--images", required=True)
    parser.add_argument("--screenshot", required=True)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="siglip-browser-")
    server = subprocess.Popen([args.siglip, "serve", "--model", args.model, "--index", os.path.join(work, "index"),
                               "--root", args.images, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    browser = None
    try:
        line = server.stdout.readline()
        port = int(re.search(r":(\d+)\s*$", line).group(1))
        base = f"http://127.0.0.1:{port}"
        photos = sorted(f for f in os.listdir(args.images) if f.startswith("photo_"))
        added = post_json(base + "/v1/index", {"paths": photos})
        assert added["added"] == len(photos), added

        browser = DevTools(args.chromium, os.path.join(work, "profile"))
        target = browser.call("Target.createTarget", {"url": "about:blank"}, session=False)
        browser.session = browser.call("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, session=False)["sessionId"]
        browser.call("Page.enable")
        browser.call("Runtime.enable")
        browser.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        browser.call("Page.navigate", {"url": base + "/"})
        browser.wait_for("document.readyState === 'complete' && document.getElementById('info').textContent.includes('indexed')")

        # Search by typing a query.
        browser.evaluate("""(() => { const q = document.getElementById('query'); q.focus(); q.value = 'a photo of a rocket';
                                     document.getElementById('search-form').requestSubmit(); })()""")
        cards = browser.wait_for(f"document.querySelectorAll('#results .card').length === {min(len(photos), 12)} && "
                                 "[...document.querySelectorAll('#results .card img')].every(i => i.complete && i.naturalWidth > 0) && "
                                 "document.querySelectorAll('#results .card').length")
        paths = browser.evaluate("[...document.querySelectorAll('#results .path')].map(e => e.textContent)")
        nums = browser.evaluate("[...document.querySelectorAll('#results .nums')].map(e => e.textContent)")
        assert sorted(paths) == photos, paths
        print(f"search: {cards} result cards with thumbnails: " + "; ".join(f"{p} ({n})" for p, n in zip(paths, nums)))

        # Classify an uploaded image against the typed labels.
        browser.evaluate("document.getElementById('labels').value = 'a cat\\na rocket\\na camera\\nan astronaut'")
        document = browser.call("DOM.getDocument")
        node = browser.call("DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": "#classify-file"})
        browser.call("DOM.setFileInputFiles", {"nodeId": node["nodeId"], "files": [os.path.abspath(os.path.join(args.images, "photo_rocket.jpg"))]})
        browser.wait_for("document.querySelectorAll('#scores .score').length === 4")
        scores = browser.evaluate("[...document.querySelectorAll('#scores .score')].map(s => [s.querySelector('.label').textContent, s.querySelector('.p').textContent])")
        for label, percent in scores:
            assert 0 <= float(percent.rstrip("%")) <= 100, scores
        assert sorted(l for l, _ in scores) == ["a camera", "a cat", "a rocket", "an astronaut"], scores
        print("classify photo_rocket.jpg: " + ", ".join(f"{l} {p}" for l, p in scores))

        shot = browser.call("Page.captureScreenshot", {"format": "png"})
        import base64
        os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
        with open(args.screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(f"screenshot: {args.screenshot}")
        print("browser test passed")
    finally:
        if browser:
            browser.close()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
