"""torch.onnx.export of a transformers encoder or decoder in the input/output layout transformers.js loads.

transformers.js' feature-extraction pipeline feeds the tokenizer's `input_ids`, `attention_mask` (and
`token_type_ids` for BERT) and, when the graph asks for it, `position_ids` computed from the attention mask
(cumsum - 1, so left padding starts every row at position 0); it reads `last_hidden_state` and pools itself.
A decoder is exported without past_key_values (no cache inputs/outputs), which transformers.js' decoder path
handles: it only adds cache tensors the graph declares.
"""

import os
import shutil
import tempfile

import onnx
import torch

OPSET = 17
TWO_GB = 2 * 1024**3


def input_names_for(kind: str) -> list:
    if kind == "bert":
        return ["input_ids", "attention_mask", "token_type_ids"]
    if kind == "qwen2":
        return ["input_ids", "attention_mask", "position_ids"]
    raise ValueError(f"unknown model kind {kind!r} (expected bert or qwen2)")


class LastHiddenState(torch.nn.Module):
    def __init__(self, model: torch.nn.Module, kind: str):
        super().__init__()
        self.model = model
        self.kind = kind

    def forward(self, input_ids, attention_mask, third):
        if self.kind == "bert":
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=third)
        else:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=third, use_cache=False)
        return out.last_hidden_state


def example_inputs(kind: str, vocab_size: int):
    """A left-padded batch of two rows (so tracing sees padding), as transformers.js would build it."""
    ids = torch.tensor([[0, 0, 5, 6, 7, 8], [3, 4, 5, 6, 7, 8]], dtype=torch.long) % vocab_size
    mask = torch.tensor([[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]], dtype=torch.long)
    if kind == "bert":
        return ids, mask, torch.zeros_like(ids)
    return ids, mask, (mask.cumsum(-1) - 1).clamp(min=0)


def export_onnx(model: torch.nn.Module, kind: str, path: str, external_data: bool | None = None) -> int:
    """Writes `path` (and `path`_data when the weights are over 2 GB or external_data is True); returns bytes written."""
    model = model.eval()
    if hasattr(model, "config"):
        # The eager attention traces to plain ops that ONNX Runtime (and transformers.js) run everywhere.
        model.config._attn_implementation = "eager"
    names = input_names_for(kind)
    dynamic = {n: {0: "batch_size", 1: "sequence_length"} for n in names + ["last_hidden_state"]}
    params = sum(p.numel() * p.element_size() for p in model.parameters())
    use_external = params >= TWO_GB if external_data is None else external_data
    os.makedirs(os.path.dirname(path), exist_ok=True)
    work = tempfile.mkdtemp(prefix="kit-onnx-", dir=os.path.dirname(path))
    try:
        raw = os.path.join(work, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(
                LastHiddenState(model, kind), example_inputs(kind, model.config.vocab_size), raw,
                input_names=names, output_names=["last_hidden_state"], dynamic_axes=dynamic,
                opset_version=OPSET, do_constant_folding=True, dynamo=False,
            )
        # The exporter may scatter big tensors over many files: gather them into the one `model.onnx_data`
        # transformers.js expects (use_external_data_format), or inline them when small.
        proto = onnx.load(raw, load_external_data=True)
        for leftover in (path, f"{path}_data"):
            if os.path.exists(leftover):
                os.remove(leftover)
        if use_external:
            onnx.save_model(proto, path, save_as_external_data=True, all_tensors_to_one_file=True,
                            location=os.path.basename(path) + "_data", size_threshold=1024)
        else:
            onnx.save_model(proto, path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = os.path.getsize(path)
    if os.path.exists(f"{path}_data"):
        total += os.path.getsize(f"{path}_data")
    return total
