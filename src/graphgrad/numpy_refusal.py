"""Why NumPy may not turn a tensor that requires grad into an array: the error, naming the
graphgrad operation that was handed the tensor inside a list or tuple where one can be found."""
import sys

NUMPY_REFUSED = ("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                 "instead.")


def refuse_conversion(tensor_class):
    """Raise for NumPy converting a tensor that requires grad: a TypeError naming the graphgrad
    operation that was handed it inside a list or tuple, else PyTorch's numpy() error. Only the
    error path walks the stack."""
    names = []                          # graphgrad's frames, innermost first
    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("graphgrad"):
            prim = frame.f_locals.get("prim") if module == "graphgrad.recording" else None
            label = frame.f_locals.get("name")     # operations made by a factory say their name
            names.append(prim.name if prim is not None else
                         label if isinstance(label, str) and frame.f_code.co_name[0] != "_"
                         else frame.f_code.co_name)
        elif not module.startswith("numpy") and names:
            break
        frame = frame.f_back
    if not names:
        raise RuntimeError(NUMPY_REFUSED)
    public = sys.modules.get("graphgrad")
    name = next((n for n in reversed(names) if hasattr(public, n) or hasattr(tensor_class, n)),
                names[0])
    raise TypeError(f"{name}: an operand is a list or tuple holding a tensor that requires "
                    "grad; NumPy would turn it into a constant and lose its gradient. Combine the "
                    "tensors first (gg.stack(...) or gg.cat(...)) and pass the result")
