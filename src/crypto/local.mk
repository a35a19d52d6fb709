# src/crypto: (empty)
