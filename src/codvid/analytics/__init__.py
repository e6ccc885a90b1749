"""Growth history, engagement, competitors side by side, exports and charts, computed
from the snapshots tracking stores at every scrape (read through tracking's functions)."""
