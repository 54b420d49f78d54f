"""The reference embeddings: sentence-transformers on a model folder, with the pooling, normalisation and
prompts its repository configures (modules.json, 1_Pooling/config.json, config_sentence_transformers.json).

stdin:  {"model_dir": str, "trust_remote_code": bool,
         "requests": [{"texts": [str], "prompt_name": str|null, "prompt": str|null, "batch_size": int}]}
stdout: {"vectors": [[[float]]], "token_ids": [[[int]]], "prompts": {...}, "pooling": str}
        (per request: one vector per text; the token ids the reference model saw for each prompted text)
"""

import json
import sys

import torch
from sentence_transformers import SentenceTransformer


def main() -> None:
    req = json.load(sys.stdin)
    torch.manual_seed(0)
    model = SentenceTransformer(req["model_dir"], device="cpu", trust_remote_code=bool(req.get("trust_remote_code")))
    model.eval()
    tokenizer = model.tokenizer
    pooling = str(model[1].pooling_mode)
    out = {"vectors": [], "token_ids": [], "prompts": model.prompts, "pooling": pooling}
    for r in req["requests"]:
        kwargs = {"batch_size": int(r.get("batch_size", 32)), "normalize_embeddings": False, "convert_to_numpy": True}
        if r.get("prompt_name"):
            kwargs["prompt_name"] = r["prompt_name"]
        if r.get("prompt") is not None:
            kwargs["prompt"] = r["prompt"]
        vecs = model.encode(r["texts"], **kwargs)
        out["vectors"].append(vecs.tolist())
        prefix = r.get("prompt")
        if prefix is None:
            prefix = model.prompts.get(r["prompt_name"], "") if r.get("prompt_name") else ""
        out["token_ids"].append([tokenizer(prefix + t)["input_ids"] for t in r["texts"]])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
