"""TaskTests for Part 2: the trigram tokenizer, the datasets, the model and its training.

See base.py for the observe/check convention. Every Part 2 check compares with fixed,
data-independent expectations or with values computed from the objects passed in (the word
vectors of the data set), so none needs a ground-truth key.
"""
import numpy as np
import torch
from torch.utils.data import DataLoader

BATCH_SIZE = 16  # the course's test_dataloader batch
MAX_LENGTH = 10  # the course's test_trigram_model: words of 0 .. MAX_LENGTH - 1 trigrams
SEED = 0
COURSE_WORD, COURSE_TRIGRAMS = "арбуз", ["#ар", "арб", "рбу", "буз", "уз#"]
# More words: short ones and repeats (each word of n >= 1 characters has n trigrams).
TRIGRAM_CASES = {"where": ["#wh", "whe", "her", "ere", "re#"], "c": ["#c#"], "go": ["#go", "go#"],
                 "aaaa": ["#aa", "aaa", "aaa", "aa#"]}
INFERENCE_BATCH = [[1, 2, 3], [], [4], [5, 6]]
INFERENCE_EXPECTED = {"ids": [1, 2, 3, 4, 5, 6], "offsets": [0, 3, 3, 4]}
# Training on a small fixed problem: targets are sums of hidden trigram vectors.
TRAINING_WORDS = ["python", "pandas", "numpy", "string", "strings", "list", "lists", "dict",
                  "json", "file", "files", "loop", "class", "classes", "array", "arrays",
                  "sort", "sorting", "query", "queries", "java", "javascript", "int", "integer"]
TRAINING_DIM, TRAINING_EPOCHS, TRAINING_LR, TRAINING_BATCH = 16, 60, 3e-2, 8
TRAINING_MAX_RATIO = 0.25  # the trained model's MSE must be under this share of the initial one
VECTOR_RTOL, VECTOR_ATOL = 1e-5, 1e-6


class Part2Tests:
    """Checks for Part 2."""

    # --- known and unknown words --------------------------------------------------------------
    @staticmethod
    def observe_collect_vocabulary(collect_vocabulary, texts, embeddings) -> dict:
        """``collect_vocabulary(texts, embeddings)`` against the sorted distinct words of
        ``texts`` that ``embeddings`` has (``known``) and has not (``unknown``)."""
        texts = list(texts)
        known, unknown = collect_vocabulary(texts, embeddings)
        words = {word for text in texts for word in text.split()}
        expected = {"known": sorted(w for w in words if w in embeddings)}
        expected["unknown"] = sorted(words.difference(expected["known"]))
        return {name: {"length": len(got), "expected_length": len(expected[name]),
                       "difference": _first_difference([str(w) for w in got], expected[name])}
                for name, got in (("known", list(known)), ("unknown", list(unknown)))}

    def check_collect_vocabulary(self, observed: dict) -> None:
        for name in ("known", "unknown"):
            result = observed[name]
            difference = result["difference"]
            if difference is not None:
                raise AssertionError(
                    f"collect_vocabulary, {name} words: expected {result['expected_length']} "
                    f"distinct words, sorted, got {result['length']}; from position "
                    f"{difference['index']} expected {difference['expected']}, got "
                    f"{difference['got']}")

    def test_collect_vocabulary(self, collect_vocabulary, texts, embeddings) -> None:
        self.check_collect_vocabulary(self.observe_collect_vocabulary(collect_vocabulary, texts,
                                                                      embeddings))

    # --- the tokenizer ------------------------------------------------------------------------
    @staticmethod
    def observe_trigram_tokenizer(cls) -> dict:
        words = [COURSE_WORD, *TRIGRAM_CASES]
        return {"trigrams": {word: [str(t) for t in cls._get_trigrams(word)] for word in words}}

    def check_trigram_tokenizer(self, observed: dict) -> None:
        for word, expected in {COURSE_WORD: COURSE_TRIGRAMS, **TRIGRAM_CASES}.items():
            got = observed["trigrams"][word]
            if got != expected:
                raise AssertionError(f"TrigramTokenizer._get_trigrams({word!r}): expected "
                                     f"{expected}, got {got}")

    def test_trigram_tokenizer(self, cls) -> None:
        self.check_trigram_tokenizer(self.observe_trigram_tokenizer(cls))

    # --- the training dataset -----------------------------------------------------------------
    @staticmethod
    def observe_dataset(ds, w2v_vocab, wv_embeddings, tri_tokenizer) -> dict:
        """Item 0 of ``ds`` against ``w2v_vocab[0]``'s vector and trigrams (the course's check)."""
        embedding, trigrams = ds[0]
        word = w2v_vocab[0]
        expected = np.asarray(wv_embeddings[word], dtype=np.float64)
        actual = np.asarray(embedding, dtype=np.float64)
        return {"word": str(word), "length": len(ds), "vocab_length": len(w2v_vocab),
                "shape": list(actual.shape), "expected_shape": list(expected.shape),
                "vector_close": bool(actual.shape == expected.shape and np.allclose(
                    actual, expected, rtol=VECTOR_RTOL, atol=VECTOR_ATOL)),
                "trigrams": [int(t) for t in trigrams],
                "expected_trigrams": [int(t) for t in tri_tokenizer(word)]}

    def check_dataset(self, observed: dict) -> None:
        word = observed["word"]
        if observed["length"] != observed["vocab_length"]:
            raise AssertionError(f"len(dataset): expected {observed['vocab_length']} (one item per "
                                 f"word of the vocabulary), got {observed['length']}")
        if observed["shape"] != observed["expected_shape"] or not observed["vector_close"]:
            raise AssertionError(f"dataset[0][0]: expected the word2vec vector of {word!r} (shape "
                                 f"{observed['expected_shape']}), got a different vector of shape "
                                 f"{observed['shape']}")
        if observed["trigrams"] != observed["expected_trigrams"]:
            raise AssertionError(f"dataset[0][1], the trigrams of {word!r}: expected "
                                 f"{observed['expected_trigrams']}, got {observed['trigrams']}")

    def test_dataset(self, ds, w2v_vocab, wv_embeddings, tri_tokenizer) -> None:
        self.check_dataset(self.observe_dataset(ds, w2v_vocab, wv_embeddings, tri_tokenizer))

    # --- the data loader ----------------------------------------------------------------------
    @staticmethod
    def observe_dataloader(dataset, collate_fn, embedding_dim) -> dict:
        """A shuffled batch of 16 (the course's check) and the first 16 items, collated."""
        loader = DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True, collate_fn=collate_fn,
                            generator=torch.Generator().manual_seed(SEED))
        words, trigrams, offsets = next(iter(loader))
        items = [dataset[index] for index in range(min(BATCH_SIZE, len(dataset)))]
        vectors, ids, starts = collate_fn(items)
        expected_ids = [int(t) for _, item_ids in items for t in item_ids]
        lengths = [len(item_ids) for _, item_ids in items]
        return {
            "embedding_dim": int(embedding_dim),
            "shapes": [list(words.shape), list(trigrams.shape), list(offsets.shape)],
            "dtypes": [str(words.dtype), str(trigrams.dtype), str(offsets.dtype)],
            "offsets_valid": bool(len(offsets) > 0 and int(offsets[0]) == 0
                                  and bool((offsets[1:] >= offsets[:-1]).all())
                                  and int(offsets[-1]) <= len(trigrams)),
            "ordered": {"vectors_match": bool(np.allclose(
                            np.asarray(vectors, dtype=np.float64),
                            np.stack([np.asarray(v, dtype=np.float64) for v, _ in items]))),
                        "ids": [int(t) for t in ids], "expected_ids": expected_ids,
                        "offsets": [int(o) for o in starts],
                        "expected_offsets": [sum(lengths[:i]) for i in range(len(lengths))]},
        }

    def check_dataloader(self, observed: dict) -> None:
        dim = observed["embedding_dim"]
        words, trigrams, offsets = observed["shapes"]
        if words != [BATCH_SIZE, dim]:
            raise AssertionError(f"the batch of word vectors: expected shape "
                                 f"[{BATCH_SIZE}, {dim}], got {words}")
        if len(trigrams) != 1 or offsets != [BATCH_SIZE]:
            raise AssertionError(f"trigram ids and offsets: expected 1-d tensors, offsets of "
                                 f"shape [{BATCH_SIZE}] (one start per word), got {trigrams} "
                                 f"and {offsets}")
        expected_dtypes = ["torch.float32", "torch.int64", "torch.int64"]
        if observed["dtypes"] != expected_dtypes:
            raise AssertionError(f"dtypes of (vectors, trigram ids, offsets): expected "
                                 f"{expected_dtypes}, got {observed['dtypes']}")
        if not observed["offsets_valid"]:
            raise AssertionError("offsets: expected start offsets (0 first, non-decreasing, "
                                 "within the trigram ids), as nn.EmbeddingBag takes them")
        ordered = observed["ordered"]
        if not ordered["vectors_match"]:
            raise AssertionError("collate_fn(items): expected the items' vectors stacked in order")
        for key in ("ids", "offsets"):
            if ordered[key] != ordered[f"expected_{key}"]:
                raise AssertionError(f"collate_fn(first {BATCH_SIZE} items), {key}: expected "
                                     f"{ordered[f'expected_{key}']}, got {ordered[key]}")

    def test_dataloader(self, dataset, collate_fn, embedding_dim) -> None:
        self.check_dataloader(self.observe_dataloader(dataset, collate_fn, embedding_dim))

    # --- the model ----------------------------------------------------------------------------
    @staticmethod
    def observe_trigram_model(model) -> dict:
        """Random bags of 0 .. 9 trigrams (the course's check), and f(a + b) = f(a) + f(b)."""
        rng = np.random.default_rng(SEED)
        lengths = rng.integers(0, MAX_LENGTH, size=BATCH_SIZE)
        trigrams = torch.as_tensor(rng.integers(0, model.num_embeddings, size=int(lengths.sum())))
        offsets = torch.as_tensor(np.concatenate([[0], np.cumsum(lengths)[:-1]]))
        pair = torch.as_tensor(rng.integers(0, model.num_embeddings, size=2))
        with torch.no_grad():
            embeddings = model(trigrams, offsets)
            together = model(pair, torch.tensor([0]))
            apart = model(pair, torch.tensor([0, 1]))
        scale = float(apart.abs().max()) + 1e-6
        return {"shape": list(embeddings.shape), "embedding_dim": int(model.embedding_dim),
                "sum_error": float((together[0] - apart.sum(0)).abs().max()) / scale}

    def check_trigram_model(self, observed: dict) -> None:
        expected = [BATCH_SIZE, observed["embedding_dim"]]
        if observed["shape"] != expected:
            raise AssertionError(f"model(trigrams, offsets) for {BATCH_SIZE} words: expected shape "
                                 f"{expected}, got {observed['shape']}")
        if observed["sum_error"] > 1e-4:
            raise AssertionError(f"a word's vector should be the sum of its trigrams' vectors "
                                 f"(nn.EmbeddingBag mode='sum'): f([a, b]) differs from f([a]) + "
                                 f"f([b]) by {observed['sum_error']:.3g} (relative)")

    def test_trigram_model(self, model) -> None:
        self.check_trigram_model(self.observe_trigram_model(model))

    # --- inference ----------------------------------------------------------------------------
    @staticmethod
    def observe_inference_dataset(ds, vocab, tri_tokenizer) -> dict:
        count = min(len(vocab), 50)
        return {"length": len(ds), "vocab_length": len(vocab),
                "items": [[int(t) for t in ds[index]] for index in range(count)],
                "expected": [[int(t) for t in tri_tokenizer(vocab[index])]
                             for index in range(count)]}

    def check_inference_dataset(self, observed: dict) -> None:
        if observed["length"] != observed["vocab_length"]:
            raise AssertionError(f"len(InferenceTrigramDataset): expected "
                                 f"{observed['vocab_length']}, got {observed['length']}")
        for index, (got, expected) in enumerate(zip(observed["items"], observed["expected"])):
            if got != expected:
                raise AssertionError(f"InferenceTrigramDataset item {index}: expected the word's "
                                     f"trigram ids {expected}, got {got}")

    def test_inference_dataset(self, ds, vocab, tri_tokenizer) -> None:
        self.check_inference_dataset(self.observe_inference_dataset(ds, vocab, tri_tokenizer))

    @staticmethod
    def observe_inference_collate_fn(inference_collate_fn) -> dict:
        """A fixed batch with an empty word, and a batch of words without known trigrams."""
        ids, offsets = inference_collate_fn(INFERENCE_BATCH)
        empty_ids, empty_offsets = inference_collate_fn([[], []])
        return {"ids": [int(t) for t in ids], "offsets": [int(o) for o in offsets],
                "dtypes": [str(ids.dtype), str(offsets.dtype)],
                "empty": {"ids": [int(t) for t in empty_ids],
                          "offsets": [int(o) for o in empty_offsets]}}

    def check_inference_collate_fn(self, observed: dict) -> None:
        for key, expected in INFERENCE_EXPECTED.items():
            if observed[key] != expected:
                raise AssertionError(f"inference_collate_fn({INFERENCE_BATCH}), {key}: expected "
                                     f"{expected}, got {observed[key]}")
        if observed["dtypes"] != ["torch.int64", "torch.int64"]:
            raise AssertionError(f"inference_collate_fn: expected int64 tensors (torch.long), got "
                                 f"{observed['dtypes']}")
        if observed["empty"] != {"ids": [], "offsets": [0, 0]}:
            raise AssertionError(f"inference_collate_fn([[], []]) (words without known trigrams): "
                                 f"expected ids [] and offsets [0, 0], got {observed['empty']}")

    def test_inference_collate_fn(self, inference_collate_fn) -> None:
        self.check_inference_collate_fn(self.observe_inference_collate_fn(inference_collate_fn))

    # --- training -----------------------------------------------------------------------------
    @staticmethod
    def observe_training(tokenizer_cls, dataset_cls, collate_fn, model_cls, trainer_cls) -> dict:
        """Train on ``TRAINING_WORDS`` with targets that are sums of hidden trigram vectors (so
        a perfect fit exists); the MSE of the trained model and of the untrained one."""
        torch.manual_seed(SEED)
        rng = np.random.default_rng(SEED)
        tokenizer = tokenizer_cls(TRAINING_WORDS)
        hidden = rng.normal(0.0, 0.1, size=(tokenizer.vocab_size, TRAINING_DIM))
        vectors = {word: hidden[tokenizer(word)].sum(axis=0).astype(np.float32)
                   for word in TRAINING_WORDS}
        dataset = dataset_cls(TRAINING_WORDS, vectors, tokenizer)
        loader = DataLoader(dataset, batch_size=TRAINING_BATCH, shuffle=True, collate_fn=collate_fn,
                            generator=torch.Generator().manual_seed(SEED))
        model = model_cls(tokenizer.vocab_size, TRAINING_DIM)
        targets, ids, offsets = collate_fn([dataset[i] for i in range(len(dataset))])

        def mse() -> float:
            with torch.no_grad():
                return float(((model(ids, offsets) - targets) ** 2).mean())

        initial = mse()
        trainer = trainer_cls(model, torch.nn.MSELoss(),
                              torch.optim.Adam(model.parameters(), lr=TRAINING_LR))
        losses = trainer.train(loader, TRAINING_EPOCHS)
        return {"initial_mse": initial, "final_mse": mse(),
                "losses": [float(loss) for loss in losses]}

    def check_training(self, observed: dict) -> None:
        if len(observed["losses"]) != TRAINING_EPOCHS:
            raise AssertionError(f"Trainer.train(loader, {TRAINING_EPOCHS}): expected one loss per "
                                 f"epoch ({TRAINING_EPOCHS}), got {len(observed['losses'])}")
        initial, final = observed["initial_mse"], observed["final_mse"]
        if not final < TRAINING_MAX_RATIO * initial:
            raise AssertionError(f"training with Adam (lr={TRAINING_LR}) for {TRAINING_EPOCHS} "
                                 f"epochs on a small problem with an exact solution: expected the "
                                 f"MSE to fall below {TRAINING_MAX_RATIO} x its initial "
                                 f"{initial:.4g}, got {final:.4g}")

    def test_training(self, tokenizer_cls, dataset_cls, collate_fn, model_cls, trainer_cls) -> None:
        self.check_training(self.observe_training(tokenizer_cls, dataset_cls, collate_fn,
                                                  model_cls, trainer_cls))

    # --- the final mapping --------------------------------------------------------------------
    @staticmethod
    def observe_oov_embeddings(mapping, words, known_vectors, tri_tokenizer) -> dict:
        """Checks of Part 2's word -> vector mapping over ``words`` (at most 2000 of them)."""
        words = list(dict.fromkeys(words))[:2000]
        missing = [w for w in words if w not in mapping]
        known = [w for w in words if w in known_vectors and w in mapping]
        unknown = [w for w in words if w not in known_vectors and w in mapping]
        no_trigrams = [w for w in unknown if not tri_tokenizer(w)]
        changed = [w for w in known if not np.allclose(
            np.asarray(mapping[w], dtype=np.float64),
            np.asarray(known_vectors[w], dtype=np.float64), rtol=VECTOR_RTOL, atol=VECTOR_ATOL)]
        nonzero = [w for w in no_trigrams if np.any(np.asarray(mapping[w]) != 0)]
        with_trigrams = [w for w in unknown if tri_tokenizer(w)]
        zero_with_trigrams = [w for w in with_trigrams if not np.any(np.asarray(mapping[w]) != 0)]
        return {"words": len(words), "missing": missing[:5], "known_changed": changed[:5],
                "no_trigram_nonzero": nonzero[:5], "unknown_with_trigrams": len(with_trigrams),
                "unknown_zero_with_trigrams": len(zero_with_trigrams),
                "finite": bool(all(np.isfinite(np.asarray(mapping[w])).all() for w in words
                                   if w in mapping))}

    def check_oov_embeddings(self, observed: dict) -> None:
        if observed["missing"]:
            raise AssertionError(f"the mapping should give every word a vector; missing e.g. "
                                 f"{observed['missing']}")
        if observed["known_changed"]:
            raise AssertionError(f"known words should keep their word2vec vectors; changed e.g. "
                                 f"{observed['known_changed']}")
        if observed["no_trigram_nonzero"]:
            raise AssertionError(f"words without a known trigram should get the zero vector; got "
                                 f"non-zero vectors for e.g. {observed['no_trigram_nonzero']}")
        if not observed["finite"]:
            raise AssertionError("the mapping holds NaN or infinite values")
        with_trigrams = observed["unknown_with_trigrams"]
        if with_trigrams and observed["unknown_zero_with_trigrams"] == with_trigrams:
            raise AssertionError(f"all {with_trigrams} unknown words with known trigrams got the "
                                 f"zero vector: expected the trained model's vectors")

    def test_oov_embeddings(self, mapping, words, known_vectors, tri_tokenizer) -> None:
        self.check_oov_embeddings(self.observe_oov_embeddings(mapping, words, known_vectors,
                                                              tri_tokenizer))


def _first_difference(got: list, expected: list) -> dict | None:
    """``None`` when the lists are equal, else where they first differ and 3 items from there."""
    if got == expected:
        return None
    index = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b),
                 min(len(got), len(expected)))
    return {"index": index, "got": got[index:index + 3], "expected": expected[index:index + 3]}
