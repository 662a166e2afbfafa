"""The front end's builder registry: Nengo's, with the chip's build functions first."""

from nengo.builder import Builder as NengoBuilder
from nengo.exceptions import BuildError


class TrueNorthBuilder(NengoBuilder):
    """Nengo's builder with a registry of its own for objects the chip runs.

    Build functions registered here take precedence over Nengo's for the same class;
    every other object falls through to Nengo's registry, so host objects build
    exactly as in ``nengo.Simulator``.
    """

    builders = {}

    @classmethod
    def build(cls, model, obj, *args, **kwargs):
        if model.has_built(obj):
            return NengoBuilder.build(model, obj, *args, **kwargs)
        for obj_cls in type(obj).__mro__:
            if obj_cls in cls.builders:
                return cls.builders[obj_cls](model, obj, *args, **kwargs)
            if obj_cls in NengoBuilder.builders:
                return NengoBuilder.builders[obj_cls](model, obj, *args, **kwargs)
        raise BuildError(f"Cannot build object of type '{type(obj).__name__}'")
