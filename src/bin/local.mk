# src/bin: (empty)
