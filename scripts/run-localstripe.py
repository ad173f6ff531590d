"""Runs localstripe (PyPI), the Stripe-compatible test server the tests and `make run` use.

localstripe keeps every object in memory and also pickles its whole store to one fixed file,
/tmp/localstripe.pickle, after every POST: with several servers at once (parallel tests) they would
write the same file, and in a simulated on-sale each payment would rewrite all before it. Stampede
starts each server from scratch and never reloads one, so that persistence is switched off here;
everything else is localstripe as published.

Usage: python3 scripts/run-localstripe.py --port PORT
"""
import sys

try:
    from localstripe import resources, server
except ImportError:
    sys.exit("localstripe is not installed: `pip install localstripe` (make test installs it)")

resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None

if __name__ == "__main__":
    server.start()
