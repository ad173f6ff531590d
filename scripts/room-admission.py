#!/usr/bin/env python3
"""Turns an event's waiting room on as its organiser would (the admin API), then queues for it
through the edge as a phone would until let in, and prints the admission cookie
(`stampede_admission=...`): what `scripts/bench-edge.sh` sends as an admitted buyer.

Usage: room-admission.py ORIGIN EDGE SLUG EMAIL PASSWORD
"""
import http.cookiejar
import json
import sys
import time
import urllib.request

origin, edge, slug, email, password = sys.argv[1:6]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def call(method, url, body=None, csrf=None):
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("content-type", "application/json")
    if csrf:
        request.add_header("x-csrf-token", csrf)
    with opener.open(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


csrf = call("GET", f"{origin}/admin/api/session")["csrf_token"]
csrf = call("POST", f"{origin}/admin/api/signin", {"email": email, "password": password}, csrf)["csrf_token"]
session = call("GET", f"{origin}/admin/api/session")
event_id = None
for membership in session["memberships"]:
    events = call("GET", f"{origin}/admin/api/organisations/{membership['organisation_id']}/events")
    event_id = next((e["id"] for e in events if e["slug"] == slug), event_id)
if event_id is None:
    sys.exit(f"no event {slug} in the organiser's organisations")
event = call("GET", f"{origin}/admin/api/events/{event_id}")
details = event  # the event's details are flattened into it
days = details.get("offline_payment_days")
call("PUT", f"{origin}/admin/api/events/{event_id}", {
    "slug": details["slug"],
    "title": details["title"],
    "description": details["description"],
    "venue": details["venue"],
    "timezone": details["timezone"],
    "starts_local": event["starts_local"],
    "ends_local": event["ends_local"],
    "currency": details["currency"],
    "offline_payment_days": "" if days is None else str(days),
    "card_payments": details["card_payments"],
    "waiting_list": details["waiting_list"],
    "waiting_list_offer_minutes": str(details["waiting_list_offer_minutes"]),
    "waiting_room": True,
    # Fast enough that the one buyer here is let in within a poll or two.
    "waiting_room_per_minute": "60000",
    "waiting_room_max_active": "1000",
}, csrf)

# The edge reads the change with the event's next snapshot; then the queue, until let in. (The
# place cookie is kept by hand: Python's cookie jar drops cookies for a bare IP address.)
cookies = {}
deadline = time.time() + 60
status = None
while time.time() < deadline:
    request = urllib.request.Request(f"{edge}/api/events/{slug}/queue")
    request.add_header("cookie", "; ".join(f"{name}={value}" for name, value in cookies.items()))
    with urllib.request.urlopen(request, timeout=10) as response:
        status = json.loads(response.read())
        for line in response.headers.get_all("set-cookie") or []:
            name, _, value = line.split(";")[0].partition("=")
            cookies[name.strip()] = value.strip()
    if status["state"] == "admitted" and "stampede_admission" in cookies:
        print(f"stampede_admission={cookies['stampede_admission']}")
        sys.exit(0)
    if status["state"] == "open":
        # The edge learns of the room with the event page's next snapshot.
        urllib.request.urlopen(f"{edge}/e/{slug}", timeout=10).read()
    time.sleep(min(max(status.get("poll_after_ms", 500), 200), 2000) / 1000)
sys.exit("not let in within 60 s: " + json.dumps(status))
