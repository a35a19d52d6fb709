# src/eth: (empty)
