"""One module per scraper provider; :mod:`codvid.scrapers.registry` knows them all."""
