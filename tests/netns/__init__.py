"""Faults across hosts: Redis, the web server and workers in network namespaces joined by a bridge."""
