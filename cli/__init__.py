"""The ``kg`` command: the composition root that wires ``extract`` into ``kg`` and ``api``."""
