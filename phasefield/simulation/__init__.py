"""Running a config: the runner (:mod:`~phasefield.simulation.runner`), the loop and its
handlers (:mod:`~phasefield.simulation.loop`, :mod:`~phasefield.simulation.handlers`), the
store and checkpoints (:mod:`~phasefield.simulation.store`,
:mod:`~phasefield.simulation.checkpoint`) and VTK export (:mod:`~phasefield.simulation.export`).

(Not ``phasefield.run``: that name is the function :func:`phasefield.run`, and a package of the
same name would make ``import phasefield.run.store`` fail.)"""
