"""Request and response models, one module per resource (Create/Public kept apart)."""
