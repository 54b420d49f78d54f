"""A BERT with BAAI/bge-base-en-v1.5's real shape (12 layers, 768 wide, 3072 FFN, 30522 vocabulary) and random
weights, exported like the twins: its speed is the real model's speed (weights' values do not change the work),
so the embedding-throughput benchmark measures bge's cost here without the hub. Its vectors mean nothing.

Usage: python build_shape_model.py <twin dir of bge (for the tokenizer)> <out dir>
"""

import os
import shutil
import sys

import torch
from transformers import BertConfig, BertModel

from onnx_export import export_onnx


def main() -> None:
    twin, out = sys.argv[1], sys.argv[2]
    torch.manual_seed(17)
    tmp = f"{out}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, "onnx"))
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        shutil.copy2(os.path.join(twin, name), os.path.join(tmp, name))
    config = BertConfig(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                        max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12, pad_token_id=0)
    model = BertModel(config).eval()
    model.config.architectures = ["BertModel"]
    model.config.to_json_file(os.path.join(tmp, "config.json"))
    size = export_onnx(model, "bert", os.path.join(tmp, "onnx", "model.onnx"), external_data=False)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    print(f"built {out} ({size / 1e6:.0f} MB)", flush=True)


if __name__ == "__main__":
    main()
