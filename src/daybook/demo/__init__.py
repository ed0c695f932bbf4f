"""The demo MSP: a seeded, repeatable data set for trying Daybook and for benchmarks.

The top layer: it imports every app and none imports it. `generator.build_demo` is the entry."""
