"""Runs localstripe (PyPI), the Stripe-compatible test server the tests and `make run` use.

Two changes to localstripe as published, neither to what it answers:
- It pickles its whole store to one fixed file, /tmp/localstripe.pickle, after every POST: with
  several servers at once (parallel tests) they would write the same file, and in a simulated
  on-sale each payment would rewrite all before it. Stampede starts each server from scratch and
  never reloads one, so that persistence is off.
- Its Stripe.js stand-in declares a global `class Element`, which shadows the DOM's `Element` for
  every script of the page, so wasm-bindgen's `instanceof Element` checks (the page's hydrated
  views) go wrong once it has loaded. The stand-in is served with that class renamed. (The real
  Stripe.js declares no such global.)

Usage: python3 scripts/run-localstripe.py --port PORT
"""
import sys

try:
    from localstripe import resources, server
except ImportError:
    sys.exit("localstripe is not installed: `pip install localstripe` (make test installs it)")

import os
import re

from aiohttp import web

resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None

with open(os.path.join(os.path.dirname(server.__file__), "localstripe-v3.js")) as source:
    # Every `Element` that names the stand-in's class (not `window.Element`, the DOM's).
    STRIPE_JS = re.sub(r"(?<![.\w])Element\b", "LocalstripeElement", source.read())


async def stripe_js(request):
    return web.Response(text=STRIPE_JS, content_type="application/javascript")


for route in server.app.router.routes():
    if route.resource is not None and route.resource.canonical == "/js.stripe.com/v3/":
        route._handler = stripe_js

if __name__ == "__main__":
    server.start()
