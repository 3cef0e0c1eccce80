"""Ready-made seed models: :mod:`~thermotheory.models.particle` and :mod:`~thermotheory.models.decoder`."""
