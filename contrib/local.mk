# contrib: (empty)
