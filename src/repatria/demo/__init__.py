"""The demo: two nodes (Nigeria, United Kingdom) and a fictional corruption case."""
