"""Fetching sources: the network and parsing layer the sync pipeline calls.

- `http`: HttpClient (limits, conditional GET, redirects) and FetchError
- `addresses`: which addresses a fetch may reach (the SSRF guard, `[http] allow_private`)
- `watchdog`, `connections`: one deadline per request; the urllib3 connections that enforce both
- `robots`: RobotsCache, robots.txt per host and run
- `feeds`: parse_feed, RSS/Atom bytes to Items
- `pages`: find_article_links and article_item for sources without a feed
- `sniff`: bot walls and forwarding pages, told from an answer's status, headers and body
- `encoding`, `urls`, `text`: decoding, canonical URLs, HTML to plain text
"""
