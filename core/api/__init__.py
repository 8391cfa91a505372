"""The JSON API: bearer tokens, REST resources for core records, the OpenAPI schema."""
