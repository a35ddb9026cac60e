"""Bonus 4: Part 3's model, modified: an MLP head and a biLSTM over the words.

Both keep Part 3's interface, ``forward(ids [N], offsets [B]) -> [B, embedding_dim]`` on the
batches of Part 3's ``collate_fn``, so Part 3's ``NTExentLoss`` and ``Trainer`` train them
unchanged. Both are *residual* on Part 3's bag of words: the output is the mean of the word
vectors plus a learned correction, so a new model starts where Part 3's representation is and
the extra layers only have to learn what the bag misses. An empty question gives the zero
vector (the loss's normalisation guards the division).

- ``MlpHeadDssm``: bag -> LayerNorm -> Linear -> GELU -> Dropout -> Linear, added to the bag.
- ``BiLstmDssm``: the words in order through a bidirectional LSTM (packed: padding is never
  read), mean-pooled over the words, projected, added to the bag: word order matters.

``load_word_vectors`` warm-starts either model from Part 3's trained NT-Xent word vectors: with
the correction at zero, the model then ranks exactly as Part 3 before its first step, and its
training only has to learn what the bag of words misses.
"""
import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence


def bag_lengths(ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """``[B]`` number of ids in each bag of the ``nn.EmbeddingBag`` layout (start offsets)."""
    ends = torch.cat([offsets[1:], offsets.new_tensor([ids.numel()])])
    return ends - offsets


class WordVectorsMixin:
    """``load_word_vectors``, for a model whose word vectors are ``self.embeddings``."""

    def load_word_vectors(self, vectors: torch.Tensor | np.ndarray):
        """Copy ``vectors [num_embeddings, embedding_dim]`` (Part 3's NT-Xent word vectors) into
        the model's word vectors (rows ``0 .. num_embeddings - 1``); returns the model."""
        weight = self.embeddings.weight
        vectors = torch.as_tensor(np.asarray(vectors), dtype=weight.dtype)
        expected = (self.num_embeddings, self.embedding_dim)
        if tuple(vectors.shape) != expected:
            raise ValueError(f"expected word vectors of shape {expected}, got {tuple(vectors.shape)}")
        with torch.no_grad():
            weight[:self.num_embeddings].copy_(vectors)
        return self


class MlpHeadDssm(WordVectorsMixin, nn.Module):
    """Mean of word vectors plus an MLP correction (see the module docstring).

    Args:
        num_embeddings: vocabulary size (``TextTokenizer.vocab_size``).
        embedding_dim: size of the word vectors and of the output.
        hidden_dim: width of the MLP.
        dropout: dropout probability inside the MLP (training only).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, hidden_dim: int = 256,
                 dropout: float = 0.1):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.embeddings = nn.EmbeddingBag(num_embeddings, embedding_dim, mode="mean")
        self.head = nn.Sequential(
            nn.LayerNorm(embedding_dim), nn.Linear(embedding_dim, hidden_dim), nn.GELU(),
            nn.Dropout(dropout), nn.Linear(hidden_dim, embedding_dim))
        nn.init.zeros_(self.head[-1].weight)  # the correction starts at zero
        nn.init.zeros_(self.head[-1].bias)

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        """``ids [N]``, ``offsets [B]`` -> ``[B, embedding_dim]``."""
        bag = self.embeddings(ids, offsets)
        not_empty = (bag_lengths(ids, offsets) > 0).unsqueeze(1).to(bag.dtype)
        return (bag + self.head(bag)) * not_empty


class BiLstmDssm(WordVectorsMixin, nn.Module):
    """Mean of word vectors plus a projected, mean-pooled biLSTM over the words in order.

    Args:
        num_embeddings: vocabulary size; row ``num_embeddings`` is added for padding.
        embedding_dim: size of the word vectors and of the output.
        hidden_size: LSTM state size per direction.
        dropout: dropout on the pooled LSTM states (training only).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, hidden_size: int = 128,
                 dropout: float = 0.1):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.pad_index = num_embeddings
        self.embeddings = nn.Embedding(num_embeddings + 1, embedding_dim, padding_idx=self.pad_index)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.projection = nn.Linear(2 * hidden_size, embedding_dim)
        nn.init.zeros_(self.projection.weight)  # the correction starts at zero
        nn.init.zeros_(self.projection.bias)

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        """``ids [N]``, ``offsets [B]`` -> ``[B, embedding_dim]``."""
        lengths = bag_lengths(ids, offsets)
        if offsets.numel() == 0 or ids.numel() == 0:
            return self.projection.weight.new_zeros((offsets.numel(), self.embedding_dim))
        words = pad_sequence(list(torch.split(ids, lengths.tolist())), batch_first=True,
                             padding_value=self.pad_index)  # [B, L]
        vectors = self.embeddings(words)  # [B, L, dim], zero at padding
        packed = pack_padded_sequence(vectors, lengths.clamp(min=1).cpu(), batch_first=True,
                                      enforce_sorted=False)
        states, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True,
                                        total_length=words.shape[1])  # [B, L, 2 * hidden]
        mask = (torch.arange(words.shape[1], device=ids.device) < lengths.unsqueeze(1))
        mask = mask.unsqueeze(2).to(vectors.dtype)
        count = lengths.clamp(min=1).unsqueeze(1).to(vectors.dtype)
        bag = (vectors * mask).sum(1) / count
        pooled = (states * mask).sum(1) / count
        not_empty = (lengths > 0).unsqueeze(1).to(vectors.dtype)
        return (bag + self.projection(self.dropout(pooled))) * not_empty
