"""Builds tiny "twins" of the kit's two real embedding models (run by `npm run models:build-twins`).

Each twin is the real architecture from `transformers` (BertModel for BAAI/bge-base-en-v1.5, Qwen2Model for
Alibaba-NLP/gte-Qwen2-1.5B-instruct) with the real config's shape but tiny sizes and random weights from a
fixed seed, a tokenizer of the same kind trained with `tokenizers`, the sentence-transformers files the real
repository ships (modules.json, 1_Pooling/config.json, config_sentence_transformers.json, ...), the PyTorch
weights (model.safetensors) and an ONNX export in the layout transformers.js loads (onnx/model.onnx).
The folder is at the same time a sentence-transformers model (the reference) and a kit model folder.

Usage: python build_twins.py <out dir>      (writes <out dir>/<org>/<name>/ for both models)
"""

import json
import os
import shutil
import sys

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertModel, Qwen2Config, Qwen2Model

from onnx_export import export_onnx

SEED = 17
HIDDEN = 32
# Far larger than a trained model's 0.02, so that the outputs of the tiny random model depend strongly on the
# input and a wrong pooling, padding side or prefix shows as a clear difference, not a rounding error.
INIT_RANGE = 0.5

# A small English corpus for the tokenizers; its words cover the texts the parity tests embed.
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "ClickHouse stores columns, compresses them and reads only what a query needs.",
    "A warehouse notebook runs queries against tables and shows charts.",
    "Vector search finds the rows whose embeddings are nearest to a query vector.",
    "Represent this sentence for searching relevant passages:",
    "Instruct: Given a web search query, retrieve relevant passages that answer the query",
    "Query: how do I compress a column?",
    "Embedding models turn text into vectors; similar texts get similar vectors.",
    "Parquet files on S3 hold the lake; Iceberg tables track their snapshots.",
    "Cats sleep most of the day, dogs like to walk in the park.",
    "The weather today is sunny with a light breeze from the west.",
    "Prices rose by three percent in November, said the report.",
    "Short text.",
    "What is the capital of France? Paris is the capital of France.",
    "Batch inference pads shorter texts so every row has the same length.",
    "Left padding keeps the last token of every row real for last-token pooling.",
] * 8


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: build_twins.py <out dir>")
    out = sys.argv[1]
    torch.manual_seed(SEED)
    build_bert_twin(os.path.join(out, "BAAI", "bge-base-en-v1.5"))
    torch.manual_seed(SEED)
    build_qwen2_twin(os.path.join(out, "Alibaba-NLP", "gte-Qwen2-1.5B-instruct"))


def fresh_dir(path: str) -> str:
    tmp = f"{path}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, "onnx"))
    return tmp


def move_into_place(tmp: str, path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)
    os.rename(tmp, path)
    print(f"built {path}", flush=True)


def write_json(path: str, value: object) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def sentence_transformers_files(d: str, pooling: str, prompts: dict, max_seq_length: int, do_lower_case: bool) -> None:
    """modules.json, the pooling config, sentence_bert_config.json, config_sentence_transformers.json."""
    write_json(os.path.join(d, "modules.json"), [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    modes = ["cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken"]
    pool = {"word_embedding_dimension": HIDDEN}
    pool.update({f"pooling_mode_{m}": m == pooling for m in modes})
    pool["include_prompt"] = True
    write_json(os.path.join(d, "1_Pooling", "config.json"), pool)
    os.makedirs(os.path.join(d, "2_Normalize"), exist_ok=True)
    write_json(os.path.join(d, "sentence_bert_config.json"), {"max_seq_length": max_seq_length, "do_lower_case": do_lower_case})
    write_json(os.path.join(d, "config_sentence_transformers.json"), {"prompts": prompts, "default_prompt_name": None})


def build_bert_twin(path: str) -> None:
    """BAAI/bge-base-en-v1.5's shape: BERT WordPiece (lowercasing), CLS pooling, normalized, no prompts in its ST config."""
    d = fresh_dir(path)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", continuing_subword_prefix="##", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.train_from_iterator(CORPUS, trainers.WordPieceTrainer(vocab_size=400, special_tokens=specials, continuing_subword_prefix="##"))
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    tok.save(os.path.join(d, "tokenizer.json"))
    vocab = sorted(tok.get_vocab().items(), key=lambda kv: kv[1])
    with open(os.path.join(d, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("".join(f"{t}\n" for t, _ in vocab))
    write_json(os.path.join(d, "tokenizer_config.json"), {
        "clean_up_tokenization_spaces": True, "cls_token": "[CLS]", "do_basic_tokenize": True, "do_lower_case": True,
        "mask_token": "[MASK]", "model_max_length": 512, "never_split": None, "pad_token": "[PAD]", "sep_token": "[SEP]",
        "strip_accents": None, "tokenize_chinese_chars": True, "tokenizer_class": "BertTokenizer", "unk_token": "[UNK]",
    })
    write_json(os.path.join(d, "special_tokens_map.json"), {
        "cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]",
    })
    config = BertConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=HIDDEN, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        hidden_act="gelu", hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1, max_position_embeddings=512,
        type_vocab_size=2, initializer_range=INIT_RANGE, layer_norm_eps=1e-12, pad_token_id=0,
    )
    model = BertModel(config, add_pooling_layer=True).eval()
    model.config.architectures = ["BertModel"]
    model.save_pretrained(d)
    sentence_transformers_files(d, "cls_token", {}, 512, True)
    export_onnx(model, "bert", os.path.join(d, "onnx", "model.onnx"), external_data=False)
    write_json(os.path.join(d, "kit-twin.json"), twin_info("BAAI/bge-base-en-v1.5", "BertModel", config))
    move_into_place(d, path)


# Qwen2's pre-tokenizer split (from its tokenizer.json), then byte-level BPE.
QWEN2_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def build_qwen2_twin(path: str) -> None:
    """gte-Qwen2-1.5B-instruct's shape: byte-level BPE whose tokenizer_config asks for an appended <|endoftext|>,
    last-token pooling, normalized, the instruction prompt for queries in its ST config."""
    d = fresh_dir(path)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok = Tokenizer(models.BPE(byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(pattern=__import__("tokenizers").Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(CORPUS, trainers.BpeTrainer(
        vocab_size=600, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    ))
    eos_id = tok.token_to_id("<|endoftext|>")
    # gte-Qwen2's tokenizer appends <|endoftext|> to every text (add_eos_token), and that last token is what
    # last-token pooling reads: the post-processor does it here, for Python and transformers.js alike.
    tok.post_processor = processors.TemplateProcessing(
        single="$A:0 <|endoftext|>:0", pair="$A:0 <|endoftext|>:0 $B:1 <|endoftext|>:1", special_tokens=[("<|endoftext|>", eos_id)]
    )
    tok.save(os.path.join(d, "tokenizer.json"))
    write_json(os.path.join(d, "tokenizer_config.json"), {
        "add_eos_token": True, "add_prefix_space": False, "bos_token": None, "clean_up_tokenization_spaces": False,
        "eos_token": "<|endoftext|>", "errors": "replace", "model_max_length": 32768, "pad_token": "<|endoftext|>",
        "split_special_tokens": False, "tokenizer_class": "PreTrainedTokenizerFast", "unk_token": None,
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
    })
    write_json(os.path.join(d, "special_tokens_map.json"), {
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"], "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
    })
    config = Qwen2Config(
        vocab_size=tok.get_vocab_size(), hidden_size=HIDDEN, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, hidden_act="silu", max_position_embeddings=131072, initializer_range=INIT_RANGE, rms_norm_eps=1e-6,
        rope_theta=1000000.0, use_sliding_window=False, sliding_window=131072, max_window_layers=2, attention_dropout=0.0,
        tie_word_embeddings=False, bos_token_id=eos_id, eos_token_id=eos_id, use_cache=True,
    )
    model = Qwen2Model(config).eval()
    model.config.architectures = ["Qwen2ForCausalLM"]
    model.save_pretrained(d)
    write_json(os.path.join(d, "generation_config.json"), {"bos_token_id": eos_id, "eos_token_id": eos_id, "max_new_tokens": 2048})
    sentence_transformers_files(
        d, "lasttoken",
        {"query": "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: "},
        32768, False,
    )
    export_onnx(model, "qwen2", os.path.join(d, "onnx", "model.onnx"), external_data=False)
    write_json(os.path.join(d, "kit-twin.json"), twin_info("Alibaba-NLP/gte-Qwen2-1.5B-instruct", "Qwen2Model", config))
    move_into_place(d, path)


def twin_info(model_id: str, cls: str, config) -> dict:
    import tokenizers
    import transformers

    return {
        "twin_of": model_id,
        "model_class": f"transformers.{cls}",
        "seed": SEED,
        "hidden_size": config.hidden_size,
        "num_hidden_layers": config.num_hidden_layers,
        "note": "TEST TWIN: the real architecture at tiny size with random weights; its vectors mean nothing.",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "tokenizers": tokenizers.__version__},
    }


if __name__ == "__main__":
    main()
