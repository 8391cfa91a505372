"""One Part per area of the field service module; manifest.py assembles them."""
