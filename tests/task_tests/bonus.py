"""TaskTests for the bonus (see base.py for the observe/check convention).

One stage per bonus item; each runs the student's classes on small fixed inputs (no data set,
no ground truth file: the expectations are fixed) and checks shapes, the handling of empty
inputs, the defining behaviour of the item, and that a few optimizer steps lower its loss:

- ``cosine_loss(CosineLoss)``: bonus 1;
- ``char_lstm(CharTokenizer, CharBiLSTM, char_collate_fn)``: bonus 2;
- ``ngram_featurizer(NgramFeaturizer)``: bonus 3;
- ``dssm_variants(MlpHeadDssm, BiLstmDssm)``: bonus 4;
- ``early_fusion(EarlyFusionModel, InBatchPairLoss)``: bonus 5.
"""
import math

QUESTIONS = [[1, 2, 3], [4, 5], [6], [7, 8, 9, 1]]
DUPLICATES = [[3, 2, 1], [5, 4, 0], [6, 0], [9, 8, 7]]
WORDS = ["python", "java", "string", "int", "list", "dict", "json", "file", "loop", "class"]
TRAINING_STEPS = 10


def _descends(step, n_steps: int = TRAINING_STEPS) -> dict:
    """``{'loss_before', 'loss_after'}`` of ``n_steps`` calls of ``step() -> loss``."""
    losses = [float(step()) for _ in range(n_steps)]
    return {"loss_before": losses[0], "loss_after": losses[-1]}


def _assert_descends(observed: dict, what: str) -> None:
    before, after = observed["loss_before"], observed["loss_after"]
    if not (math.isfinite(before) and math.isfinite(after) and after < before):
        raise AssertionError(f"{what}: expected {TRAINING_STEPS} Adam steps on one batch to lower "
                             f"the loss, got {before!r} -> {after!r}")


def _assert_equal(actual, expected, name: str) -> None:
    if actual != expected:
        raise AssertionError(f"{name}: expected {expected!r}, got {actual!r}")


def _assert_small(actual: float, name: str, tolerance: float = 1e-5) -> None:
    if not (isinstance(actual, (int, float)) and math.isfinite(actual) and abs(actual) <= tolerance):
        raise AssertionError(f"{name}: expected at most {tolerance} in absolute value, got {actual!r}")


def _adam_steps(model, loss_of_model, lr: float = 0.05) -> dict:
    import torch

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def step():
        loss = loss_of_model()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return _descends(step)


class BonusTests:
    """Checks for the bonus items."""

    # ---- bonus 1 -------------------------------------------------------------------------

    @staticmethod
    def observe_cosine_loss(loss_cls) -> dict:
        """``loss_cls()`` on fixed pairs of batches, an empty batch, and a training run."""
        import torch

        torch.manual_seed(0)
        loss = loss_cls()
        x = torch.tensor([[1.0, 0.0, 0.0], [0.0, 2.0, 1.0]])
        values = {"same_direction": loss(x, 3 * x).item(), "opposite": loss(x, -x).item(),
                  "orthogonal": loss(x, torch.tensor([[0.0, 1.0, 0.0], [0.0, -1.0, 2.0]])).item(),
                  "empty": float(loss(torch.zeros(0, 3), torch.zeros(0, 3)))}
        weights = torch.nn.Parameter(torch.randn(4, 3))
        targets = torch.randn(4, 3)
        values.update(_adam_steps(torch.nn.ParameterList([weights]),
                                  lambda: loss(weights, targets), lr=0.1))
        return values

    def check_cosine_loss(self, observed: dict) -> None:
        for name, expected in (("same_direction", 0.0), ("opposite", 2.0), ("orthogonal", 1.0),
                               ("empty", 0.0)):
            if not math.isclose(observed[name], expected, abs_tol=1e-5):
                raise AssertionError(f"cosine loss ({name.replace('_', ' ')}): expected "
                                     f"{expected} (mean of 1 - cos), got {observed[name]!r}")
        _assert_descends(observed, "cosine loss")

    def test_cosine_loss(self, loss_cls) -> None:
        self.check_cosine_loss(self.observe_cosine_loss(loss_cls))

    # ---- bonus 2 -------------------------------------------------------------------------

    @staticmethod
    def observe_char_lstm(tokenizer_cls, model_cls, collate_fn) -> dict:
        """Shapes, padding invariance, an empty word, and a training run of the char model.

        ``collate_fn`` is the training collate: ``[(vector, char ids), ...] -> (vectors,
        chars, lengths)``; the model is ``model_cls(tokenizer.vocab_size, embedding_dim=8)``.
        """
        import numpy as np
        import torch

        torch.manual_seed(0)
        tokenizer = tokenizer_cls(WORDS)
        model = model_cls(tokenizer.vocab_size, embedding_dim=8)
        rng = np.random.default_rng(0)
        batch = [(rng.normal(size=8).astype(np.float32), tokenizer(word)) for word in WORDS]
        vectors, chars, lengths = collate_fn(batch)
        model.eval()
        with torch.no_grad():
            output = model(chars, lengths)
            _, alone_chars, alone_lengths = collate_fn([batch[3]])  # "int", the shortest word
            alone = model(alone_chars, alone_lengths)
            _, empty_chars, empty_lengths = collate_fn([(batch[0][0], []), batch[3]])
            with_empty = model(empty_chars, empty_lengths)
        model.train()
        observed = {
            "output_shape": list(output.shape), "vectors_shape": list(vectors.shape),
            "padding_change": float((output[3] - alone[0]).abs().max()),
            "empty_word_shape": list(with_empty.shape),
            "empty_word_finite": bool(torch.isfinite(with_empty).all()),
        }
        observed.update(_adam_steps(model, lambda: torch.nn.functional.mse_loss(
            model(chars, lengths), vectors), lr=0.01))
        return observed

    def check_char_lstm(self, observed: dict) -> None:
        _assert_equal(observed["vectors_shape"], [len(WORDS), 8], "collated target vectors shape")
        _assert_equal(observed["output_shape"], [len(WORDS), 8], "char model output shape")
        _assert_small(observed["padding_change"], "a word's vector alone vs in a padded batch "
                      "(pack the sequences so padding is not read)")
        _assert_equal(observed["empty_word_shape"], [2, 8], "output shape with an empty word")
        _assert_equal(observed["empty_word_finite"], True, "output with an empty word is finite")
        _assert_descends(observed, "char model, MSE")

    def test_char_lstm(self, tokenizer_cls, model_cls, collate_fn) -> None:
        self.check_char_lstm(self.observe_char_lstm(tokenizer_cls, model_cls, collate_fn))

    # ---- bonus 3 -------------------------------------------------------------------------

    @staticmethod
    def observe_ngram_featurizer(featurizer_cls) -> dict:
        """What the featurizer built on a fixed corpus (``min_count=1``) does with a few texts."""
        corpus = ["convert string to int", "convert int to string", "parse json python",
                  "sort list python", "read file lines", "javascript string split"]
        featurizer = featurizer_cls(corpus, min_count=1)
        ids = {text: featurizer(text) for text in
               ("convert string to int", "convert int to string", "", "zzz qqq", "strings")}
        every_id = [index for values in ids.values() for index in values]
        return {
            "vocab_size": int(featurizer.vocab_size),
            "ids_in_range": all(0 <= int(index) < featurizer.vocab_size for index in every_id),
            "order_matters": sorted(ids["convert string to int"])
            != sorted(ids["convert int to string"]),
            "more_than_words": len(ids["convert string to int"]) > 4,
            "empty_text": list(ids[""]),
            "unknown_text": list(ids["zzz qqq"]),
            "unseen_word_shares": len(set(ids["strings"]) & set(ids["convert string to int"])),
        }

    def check_ngram_featurizer(self, observed: dict) -> None:
        _assert_equal(observed["ids_in_range"], True, "every feature id is in [0, vocab_size)")
        _assert_equal(observed["order_matters"], True, "'convert string to int' and 'convert int "
                      "to string' get different features (word bigrams)")
        _assert_equal(observed["more_than_words"], True, "a 4-word text has more than 4 features "
                      "(words, bigrams and character trigrams)")
        _assert_equal(observed["empty_text"], [], "features of the empty text")
        _assert_equal(observed["unknown_text"], [], "features of a text of unseen words "
                      "(only trigram-less ones, 'zzz qqq')")
        if observed["unseen_word_shares"] < 1:
            raise AssertionError("an unseen word ('strings') should share character-trigram "
                                 "features with a seen one ('string'), got none")

    def test_ngram_featurizer(self, featurizer_cls) -> None:
        self.check_ngram_featurizer(self.observe_ngram_featurizer(featurizer_cls))

    # ---- bonus 4 -------------------------------------------------------------------------

    @staticmethod
    def observe_dssm_variants(*model_classes) -> dict:
        """For each class (e.g. ``MlpHeadDssm``, ``BiLstmDssm``) built as ``cls(10, 16)``: an
        NT-Xent training run, then the output shape, an empty question and word order."""
        import torch

        from hw_utils.dssm import NTExentLoss, get_ids_and_offsets

        observed = {"models": []}
        for model_cls in model_classes:
            torch.manual_seed(0)
            model = model_cls(10, 16)
            questions, duplicates = get_ids_and_offsets(QUESTIONS), get_ids_and_offsets(DUPLICATES)
            criterion = NTExentLoss(alpha=0.1)
            entry = {"name": getattr(model_cls, "__name__", str(model_cls))}
            entry.update(_adam_steps(model, lambda: criterion(model(*questions),
                                                              model(*duplicates))))
            model.eval()  # after training: a correction that starts at zero has moved by now
            with torch.no_grad():
                output = model(*questions)
                with_empty = model(*get_ids_and_offsets([[], [1, 2]]))
                forward, backward = model(*get_ids_and_offsets([[1, 2, 3], [3, 2, 1]]))
            entry.update({"output_shape": list(output.shape),
                          "empty_shape": list(with_empty.shape),
                          "empty_finite": bool(torch.isfinite(with_empty).all()),
                          "order_change": float((forward - backward).abs().max())})
            observed["models"].append(entry)
        return observed

    def check_dssm_variants(self, observed: dict) -> None:
        models = observed["models"]
        if len(models) < 2:
            raise AssertionError(f"expected two modified models (an MLP head and a sequence "
                                 f"model), got {[entry['name'] for entry in models]}")
        for entry in models:
            name = entry["name"]
            _assert_equal(entry["output_shape"], [len(QUESTIONS), 16], f"{name} output shape")
            _assert_equal(entry["empty_shape"], [2, 16], f"{name} output shape with an empty "
                          f"question")
            _assert_equal(entry["empty_finite"], True, f"{name} output with an empty question "
                          f"is finite")
            _assert_descends(entry, f"{name}, NT-Xent")
        if not any(entry["order_change"] > 1e-6 for entry in models):
            raise AssertionError("expected one model to read the words in order ('a b c' and "
                                 "'c b a' embedded differently), but both ignore word order")

    def test_dssm_variants(self, *model_classes) -> None:
        self.check_dssm_variants(self.observe_dssm_variants(*model_classes))

    # ---- bonus 5 -------------------------------------------------------------------------

    @staticmethod
    def observe_early_fusion(model_cls, loss_cls) -> dict:
        """``model_cls(10, 16)``: question vectors, pair scores (one by one and as a matrix),
        an empty question, and a training run with ``loss_cls(model.score_matrix)``."""
        import torch

        from hw_utils.dssm import get_ids_and_offsets

        torch.manual_seed(0)
        model = model_cls(10, 16)
        questions, duplicates = get_ids_and_offsets(QUESTIONS), get_ids_and_offsets(DUPLICATES)
        with torch.no_grad():
            q, d = model.eval()(*questions), model(*duplicates)
            matrix = model.score_matrix(q, d[:3])
            pairs = model.score(q[1:2].expand(3, -1), d[:3])
            empty = model(*get_ids_and_offsets([[], [1]]))
        model.train()
        criterion = loss_cls(model.score_matrix)
        observed = {"vectors_shape": list(q.shape), "matrix_shape": list(matrix.shape),
                    "pair_shape": list(pairs.shape),
                    "matrix_vs_pairs": float((matrix[1] - pairs).abs().max()),
                    "empty_finite": bool(torch.isfinite(empty).all())}
        observed.update(_adam_steps(model, lambda: criterion(model(*questions),
                                                             model(*duplicates))))
        return observed

    def check_early_fusion(self, observed: dict) -> None:
        _assert_equal(observed["vectors_shape"], [len(QUESTIONS), 16], "question vectors shape")
        _assert_equal(observed["matrix_shape"], [len(QUESTIONS), 3], "score_matrix shape")
        _assert_equal(observed["pair_shape"], [3], "score shape for 3 pairs")
        _assert_small(observed["matrix_vs_pairs"], "score_matrix row vs the same pairs scored "
                      "one by one", tolerance=1e-4)
        _assert_equal(observed["empty_finite"], True, "vector of an empty question is finite")
        _assert_descends(observed, "early fusion, in-batch pair loss")

    def test_early_fusion(self, model_cls, loss_cls) -> None:
        self.check_early_fusion(self.observe_early_fusion(model_cls, loss_cls))
