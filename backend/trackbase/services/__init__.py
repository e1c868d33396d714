"""Business rules; the only layer that commits. README.md here names what each area and module owns."""
