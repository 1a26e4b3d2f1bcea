"""Running a config: the runner (:mod:`~phasefield.run.runner`), the loop and its handlers
(:mod:`~phasefield.run.loop`, :mod:`~phasefield.run.handlers`), the store and checkpoints
(:mod:`~phasefield.run.store`, :mod:`~phasefield.run.checkpoint`) and VTK export
(:mod:`~phasefield.run.export`)."""
