"""The pages. Each view parses the request, authorizes, calls one service or selector, and
renders; domain errors become pages or form errors through `support`."""
