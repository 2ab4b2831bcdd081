"""Unit tests of the model: pure functions and value objects, no I/O."""
