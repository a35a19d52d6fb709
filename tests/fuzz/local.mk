# tests/fuzz: (empty)
