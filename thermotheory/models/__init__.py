"""Ready-made seed models: diffusions (:mod:`~thermotheory.models.particle`, :mod:`~thermotheory.models.decoder`,
:mod:`~thermotheory.models.synapse`, ...) and Markov jump processes (:mod:`~thermotheory.models.ion_channel`,
:mod:`~thermotheory.models.receptor`, :mod:`~thermotheory.models.memory`, :mod:`~thermotheory.models.proofreading`)."""
