# src/store: (empty)
