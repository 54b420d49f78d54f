"""Exports a sentence-transformers model (PyTorch weights) to the folder transformers.js loads (`npm run models:export`).

  python export_model.py plan --source <repo id or dir> [--revision R]
      prints one line `PLAN {json}`: weight bytes, stored dtype, parameter count estimate
  python export_model.py run --source <repo id or dir> --work <dir> --out <model dir> [--revision R] [--external-data]
      1 download (huggingface_hub, resumable) 2 reference vectors (sentence-transformers) 3 torch.onnx.export
      4 check the ONNX graph + tokenizer.json against the reference 5 write <out> (renamed into place at the end)

Every step leaves a marker in <work>, so a run that was cut off resumes where it stopped.
"""

import argparse
import gc
import json
import os
import shutil
import sys
import time

CHECK_TEXTS = [
    "Short text.",
    "ClickHouse stores columns, compresses them and reads only what a query needs.",
    "What is the capital of France?",
    "Embedding models turn text into vectors; similar texts get similar vectors, even for a longer sentence like this one.",
]
WEIGHT_SUFFIXES = (".safetensors", ".bin")
ALLOW = ["*.json", "*.safetensors", "*.txt", "*.py", "*.model", "*.tiktoken", "1_Pooling/*", "2_Normalize/*"]
KIT_FILES = ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
             "vocab.txt", "vocab.json", "merges.txt", "added_tokens.json", "modules.json", "config_sentence_transformers.json",
             "sentence_bert_config.json"]
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}


def step(n: int, text: str) -> None:
    print(f"STEP {n}/5 {text}", flush=True)


def is_local(source: str) -> bool:
    return os.path.isdir(source)


def plan(args) -> None:
    if is_local(args.source):
        weights = 0
        for root, _, files in os.walk(args.source):
            weights += sum(os.path.getsize(os.path.join(root, f)) for f in files if f.endswith(WEIGHT_SUFFIXES) and "onnx" not in root)
        with open(os.path.join(args.source, "config.json"), encoding="utf-8") as f:
            config = json.load(f)
        downloaded = True
    else:
        from huggingface_hub import HfApi, constants, hf_hub_download

        try:
            info = HfApi().model_info(args.source, revision=args.revision, files_metadata=True)
            files = [s for s in info.siblings if s.rfilename.endswith(".safetensors")] or [s for s in info.siblings if s.rfilename.endswith(".bin")]
            weights = sum(s.size or 0 for s in files)
            with open(hf_hub_download(args.source, "config.json", revision=args.revision), encoding="utf-8") as f:
                config = json.load(f)
        except Exception as e:  # the hub client's errors are many; all end here with what to do
            sys.exit(f"ERROR cannot read {args.source} from the hub at {constants.ENDPOINT} ({type(e).__name__}: {str(e).splitlines()[0][:200]}). "
                     "models:export downloads the weights with the hub client: check the network, HF_ENDPOINT (a mirror) and HF_TOKEN "
                     "(gated repositories), or pass --from-dir <folder> holding the saved model.")
        downloaded = False
    dtype = str(config.get("torch_dtype") or config.get("dtype") or "float32")
    per = DTYPE_BYTES.get(dtype, 4)
    print("PLAN " + json.dumps({
        "weight_bytes": weights, "stored_dtype": dtype, "params": weights // per, "fp32_bytes": (weights // per) * 4,
        "model_type": config.get("model_type"), "hidden_size": config.get("hidden_size"), "downloaded": downloaded,
    }), flush=True)


def marker(work: str, name: str) -> str:
    return os.path.join(work, f".done-{name}")


def run(args) -> None:
    import numpy as np
    import torch

    os.makedirs(args.work, exist_ok=True)
    # 1 download
    if is_local(args.source):
        src = args.source
        step(1, f"using the local folder {src}")
    else:
        from huggingface_hub import snapshot_download

        src = os.path.join(args.work, "source")
        step(1, f"downloading {args.source} (resumes a cut-off download)")
        snapshot_download(args.source, revision=args.revision, local_dir=src, allow_patterns=ALLOW)

    # 2 reference vectors, from the model as its card runs it
    ref_file = os.path.join(args.work, "reference.json")
    onnx_dir = os.path.join(args.work, "onnx")
    onnx_path = os.path.join(onnx_dir, "model.onnx")
    from sentence_transformers import SentenceTransformer

    need_model = not os.path.exists(marker(args.work, "export")) or not os.path.exists(ref_file)
    if need_model:
        step(2, "computing reference vectors with sentence-transformers (PyTorch)")
        st = SentenceTransformer(src, device="cpu", trust_remote_code=True, model_kwargs={"torch_dtype": torch.float32})
        st.eval()
        prompts = dict(st.prompts)
        query_prompt = prompts.get("query", "")
        reference = {
            "pooling": str(st[1].pooling_mode),
            "prompts": prompts,
            "documents": st.encode(CHECK_TEXTS, batch_size=len(CHECK_TEXTS), normalize_embeddings=True).tolist(),
            "queries": st.encode(CHECK_TEXTS, batch_size=len(CHECK_TEXTS), prompt=query_prompt, normalize_embeddings=True).tolist(),
            "query_prompt": query_prompt,
        }
        with open(ref_file, "w", encoding="utf-8") as f:
            json.dump(reference, f)
    else:
        step(2, "reference vectors already computed")
    with open(ref_file, encoding="utf-8") as f:
        reference = json.load(f)

    # 3 export
    if os.path.exists(marker(args.work, "export")) and os.path.exists(onnx_path):
        step(3, "ONNX export already done")
    else:
        from onnx_export import export_onnx

        model = st[0].auto_model.float().eval()
        kind = {"bert": "bert", "qwen2": "qwen2"}.get(model.config.model_type)
        if kind is None:
            sys.exit(f"ERROR model_type {model.config.model_type!r} is not one the kit exports (bert, qwen2)")
        step(3, f"torch.onnx.export ({sum(p.numel() for p in model.parameters()) / 1e6:.0f}M parameters, {kind})")
        t0 = time.time()
        shutil.rmtree(onnx_dir, ignore_errors=True)
        del st
        gc.collect()
        size = export_onnx(model, kind, onnx_path, external_data=True if args.external_data else None)
        del model
        gc.collect()
        print(f"  wrote {size / 1e6:.1f} MB in {time.time() - t0:.0f} s", flush=True)
        open(marker(args.work, "export"), "w").close()

    # 4 check: ONNX Runtime with the tokenizer.json transformers.js reads and the kit's pooling
    step(4, "checking the ONNX graph and tokenizer.json against the reference")
    worst = check(src, onnx_path, reference, np)
    print(f"  worst cosine vs PyTorch: {worst:.6f}", flush=True)
    if worst < 0.9999:
        sys.exit(f"ERROR the export differs from PyTorch (worst cosine {worst:.6f} < 0.9999): not installing it")

    # 5 write the model folder, renamed into place at the end
    step(5, f"writing {args.out}")
    tmp = f"{args.out}.exporting"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for name in KIT_FILES:
        if os.path.exists(os.path.join(src, name)):
            shutil.copy2(os.path.join(src, name), os.path.join(tmp, name))
    for sub in ("1_Pooling", "2_Normalize"):
        if os.path.isdir(os.path.join(src, sub)):
            shutil.copytree(os.path.join(src, sub), os.path.join(tmp, sub))
    shutil.copytree(onnx_dir, os.path.join(tmp, "onnx"))
    with open(os.path.join(tmp, "kit-export.json"), "w", encoding="utf-8") as f:
        json.dump({"source": args.source, "revision": args.revision, "worst_cosine": worst, "check_texts": len(CHECK_TEXTS),
                   "pooling": reference["pooling"], "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, f, indent=2)
    shutil.rmtree(args.out, ignore_errors=True)
    os.rename(tmp, args.out)
    print(f"DONE {args.out}", flush=True)


def check(src: str, onnx_path: str, reference: dict, np) -> float:
    """Embeds the check texts the way the kit does (tokenizer.json, EOS suffix, padding side, pooling) with ONNX Runtime."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(src, "tokenizer.json"))
    with open(os.path.join(src, "tokenizer_config.json"), encoding="utf-8") as f:
        tok_config = json.load(f)
    eos = tok_config.get("eos_token")
    eos = eos.get("content") if isinstance(eos, dict) else eos
    suffix = ""
    if tok_config.get("add_eos_token") and eos and tok.encode("probe").ids[-1:] != [tok.token_to_id(eos)]:
        suffix = eos
    last_token = reference["pooling"] == "lasttoken"
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    worst = 1.0
    for key, prefix in (("documents", ""), ("queries", reference["query_prompt"])):
        encs = [tok.encode(prefix + t + suffix) for t in CHECK_TEXTS]
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros((len(encs), width), dtype=np.int64)
        types = np.zeros((len(encs), width), dtype=np.int64)
        for r, e in enumerate(encs):
            n = len(e.ids)
            cols = slice(width - n, width) if last_token else slice(0, n)
            ids[r, cols] = e.ids
            mask[r, cols] = 1
            types[r, cols] = e.type_ids
        pos = np.where(mask == 1, np.cumsum(mask, axis=1) - 1, 1)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types, "position_ids": pos}
        hidden = session.run(None, {n: feeds[n] for n in names})[0]
        pooled = hidden[:, -1] if last_token else hidden[:, 0]
        pooled = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        ref = np.asarray(reference[key])
        worst = min(worst, float(np.min(np.sum(pooled * ref, axis=1))))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["plan", "run"])
    parser.add_argument("--source", required=True)
    parser.add_argument("--revision", default=None)
    parser.add_argument("--work")
    parser.add_argument("--out")
    parser.add_argument("--external-data", action="store_true")
    args = parser.parse_args()
    if args.command == "plan":
        plan(args)
    else:
        if not args.work or not args.out:
            sys.exit("ERROR run needs --work and --out")
        run(args)


if __name__ == "__main__":
    main()
