"""Thin layers over the library: the CLI, terminal rendering, watch, the MCP server, the HTTP server."""
