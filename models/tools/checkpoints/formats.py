"""Checkpoint writers shared by clipkit's fixture tools (Debian /usr/bin/python3, torch 1.13).

The three formats clipkit reads, written the way real checkpoints are:

- save_state_dict(sd, path, wrap=False, prefix="")  torch.save zip of a state dict; optionally
  wrapped like a training checkpoint ({"epoch", "state_dict", ...}) and with a "module." prefix.
- save_safetensors(sd, path, dtype=None, metadata=None)  safetensors, written by the small writer
  below (the `safetensors` package is not installed here).
- save_torchscript(model, example_inputs, path, half=True, scalars=None)  an OpenAI-style
  TorchScript archive: torch.jit.trace_module over several methods, converted to fp16, jit.save.

Usage from another tool:
    import sys; sys.path.insert(0, "models/tools/checkpoints")
    from formats import save_state_dict, save_safetensors, save_torchscript
"""
import copy
import json
import struct

import torch

_ST_DTYPES = {
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.float32: "F32",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def cast_state_dict(sd, dtype):
    """A copy of `sd` with floating tensors cast to `dtype` (None: unchanged); others kept."""
    out = {}
    for k, v in sd.items():
        v = v.detach()
        if dtype is not None and v.is_floating_point():
            v = v.to(dtype)
        out[k] = v
    return out


def save_state_dict(sd, path, wrap=False, prefix="", dtype=None):
    """torch.save(state dict) in the zip format.

    wrap=True stores it as a training checkpoint {"epoch": 1, "state_dict": sd, "optimizer": {...}};
    prefix (e.g. "module.") is prepended to every key, as DataParallel does.
    """
    sd = {prefix + k: v for k, v in cast_state_dict(sd, dtype).items()}
    obj = sd
    if wrap:
        obj = {"epoch": 1, "state_dict": sd, "optimizer": {"lr": 0.001, "step": 10}}
    torch.save(obj, str(path))


def _tensor_bytes(t):
    t = t.detach().contiguous().reshape(-1)
    if t.dtype == torch.bool:
        t = t.to(torch.uint8)
    return t.view(torch.uint8).numpy().tobytes() if t.numel() else b""


def save_safetensors(sd, path, dtype=None, metadata=None):
    """Writes `sd` ({name: tensor}) as safetensors, casting floating tensors to `dtype` if given.

    Layout per the format: u64 LE header size, JSON header (padded with spaces to 8 bytes),
    tensors back to back in the header's order.
    """
    sd = cast_state_dict(sd, dtype)
    header = {}
    blobs = []
    offset = 0
    for name, t in sd.items():
        if t.dtype not in _ST_DTYPES:
            raise ValueError(f"{name}: dtype {t.dtype} has no safetensors name")
        b = _tensor_bytes(t)
        header[name] = {"dtype": _ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * (-len(hb) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)


def save_torchscript(model, example_inputs, path, half=True, scalars=None):
    """Traces `model` and saves it with torch.jit.save, as OpenAI's CLIP archives were made.

    example_inputs: {method_name: tuple_of_inputs} (e.g. {"forward": (img, ids),
    "encode_image": (img,), "encode_text": (ids,)}) or a tuple for forward alone.
    half=True converts the traced module's floating parameters and buffers to fp16 afterwards
    (OpenAI traced on CUDA in fp16; CPU torch 1.13 cannot trace fp16 convolutions, and clipkit
    never runs the archive's graph, only reads its weights).
    scalars: {name: int} registered as int64 buffers on the top module before tracing, like the
    input_resolution/context_length/vocab_size entries of OpenAI's archives (an attribute of the
    same name is replaced on the copy).
    The caller's model is left untouched: a traced module shares its parameters, so tracing and
    .half() work on a deep copy. Returns the traced module.
    """
    model = copy.deepcopy(model).eval()
    for k, v in (scalars or {}).items():
        if hasattr(model, k) and k not in model._buffers:
            delattr(model, k)
        model.register_buffer(k, torch.tensor(int(v), dtype=torch.int64))
    if not isinstance(example_inputs, dict):
        example_inputs = {"forward": tuple(example_inputs)}
    with torch.no_grad():
        traced = torch.jit.trace_module(model, {k: tuple(v) for k, v in example_inputs.items()})
    if half:
        traced = traced.half()
    torch.jit.save(traced, str(path))
    return traced
