"""The assistant: its turn, its tools and the data_mods it writes (contract 2.5)."""
