#!/usr/bin/env python3
"""Tiny stand-in for the Neutron API (NOT OpenStack code): answers nova's
read-only queries with empty lists so that servers booted with --nic none can be
rebooted/deleted without a real Neutron. Listens on 127.0.0.1 only,
port from argv (the Epoxy bed uses 19696). Same stand-in as ../shared/realstack."""
import json, re, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 9696

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, code, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0].rstrip("/")
        if path in ("", "/"):
            return self._send(200, {"versions": [{"id": "v2.0", "status": "CURRENT",
                "links": [{"rel": "self", "href": "http://127.0.0.1:%d/v2.0/" % PORT}]}]})
        if path == "/v2.0":
            return self._send(200, {"resources": []})
        m = re.match(r"^/v2\.0/([a-z_-]+?)(?:\.json)?$", path)
        if m:
            coll = m.group(1).replace("-", "_")
            return self._send(200, {coll: []})
        return self._send(404, {"NeutronError": {"type": "NotFound", "message": "not found: " + path, "detail": ""}})

    def do_DELETE(self):
        self._send(204)

    def _not_supported(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        self._send(400, {"NeutronError": {"type": "BadRequest", "message": "fake neutron: writes not supported", "detail": ""}})

    do_POST = do_PUT = _not_supported

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
