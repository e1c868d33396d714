"""Marshmallow schemas: input validation and output serialization, per area."""
