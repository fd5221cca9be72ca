"""Regenerates posthog-python-historical.json.gz: what posthog-python 7.x sends with gzip=True and
historical_migration=True (POST /batch/, application/json, gzip content encoding), gzipped with Python's gzip module
as posthog-python's request.py does. Run: python3 generate_python.py <this folder>"""
import gzip, io, json, os, sys

token = 'phc_fixtureToken00000000000000000000000000'
body = {"batch": [{"event": "fixture python", "distinct_id": f"py-user-{i}",
                   "properties": {"$lib": "posthog-python", "$lib_version": "7.53.0", "$geoip_disable": True},
                   "timestamp": f"2025-11-20T09:00:0{i}+00:00", "uuid": f"01900000-0000-7000-8000-0008{i:08x}",
                   "type": "capture"} for i in range(3)],
        "historical_migration": True, "sent_at": "2026-11-30T12:00:00.000000+00:00", "api_key": token}
buf = io.BytesIO()
with gzip.GzipFile(fileobj=buf, mode="w", mtime=0) as f:
    f.write(json.dumps(body).encode("utf-8"))
with open(os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "posthog-python-historical.json.gz"), "wb") as out:
    out.write(buf.getvalue())
