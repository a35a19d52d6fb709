# tests/integration: (empty)
