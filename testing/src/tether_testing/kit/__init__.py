"""The conformance tests, one mixin per part of the store contract."""
