"""Pure text functions: tokens and stems (analysis, stemmer), typos, escaping, highlight marks."""
