"""Evaluation metrics, pure numpy (hand-checked in tests). Definitions (same as the Node evaluator):
- classification: labels are the regions present in the test set's ground truth; per-region F1 = 2TP / (2TP+FP+FN);
  macro-F1 is their unweighted mean; accuracy is the share of items predicted right.
- text->image precision@k: for each region present, the share of the k images most similar to its prompt
  embedding that belong to it (k = min(10, images)), averaged over regions.
- image->text recall@k: the share of images whose own region is among the k region prompts most similar to them."""
import numpy as np


def confusion(y_true: list, y_pred: list, labels: list) -> np.ndarray:
    index = {label: k for k, label in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        if p in index:
            m[index[t], index[p]] += 1
    return m


def per_class_f1(y_true: list, y_pred: list, labels: list) -> dict:
    out = {}
    for label in labels:
        tp = sum(1 for t, p in zip(y_true, y_pred) if t == label and p == label)
        fp = sum(1 for t, p in zip(y_true, y_pred) if t != label and p == label)
        fn = sum(1 for t, p in zip(y_true, y_pred) if t == label and p != label)
        out[label] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return out


def classification_report(y_true: list, y_pred: list, labels: list = None) -> dict:
    """labels: the regions present (sorted by code point); macro-F1 is their unweighted mean."""
    labels = labels or sorted(set(y_true))
    f1 = per_class_f1(y_true, y_pred, labels)
    return {'n': len(y_true), 'accuracy': float(np.mean([t == p for t, p in zip(y_true, y_pred)])),
            'macroF1': float(np.mean([f1[r] for r in labels])), 'perRegionF1': f1,
            'confusion': {'labels': labels, 'matrix': confusion(y_true, y_pred, labels).tolist()}}


def ranks(scores: np.ndarray, true_index: list) -> np.ndarray:
    """Per image: how many prompts score strictly higher than its own region's (ties in its favour)."""
    own = scores[np.arange(scores.shape[0]), true_index]
    return (scores > own[:, None]).sum(axis=1)


def recall_at_k(scores: np.ndarray, true_index: list, k: int) -> float:
    """scores [N images, R prompts]; true_index[i] is image i's prompt column; share of images with rank < k."""
    return float(np.mean(ranks(scores, true_index) < k))


def precision_per_region(scores: np.ndarray, image_labels: list, regions: list, k: int = 10) -> dict:
    """scores [N images, len(regions)]: per region, the share of its top min(k, N) images that belong to it."""
    k = min(k, scores.shape[0])
    labels = np.array(image_labels)
    return {r: float(np.mean(labels[np.argsort(-scores[:, j], kind='stable')[:k]] == r))
            for j, r in enumerate(regions)}


def attainable_precision(image_labels: list, regions: list, k: int = 10) -> float:
    """The best precision@k a perfect ranking could score: a region with fewer than k test images caps its own."""
    k = min(k, len(image_labels))
    return float(np.mean([min(k, image_labels.count(r)) / k for r in regions]))


def precision_at_k(scores: np.ndarray, image_labels: list, regions: list, k: int = 10) -> float:
    return float(np.mean(list(precision_per_region(scores, image_labels, regions, k).values())))


def knn_predict(train_emb: np.ndarray, train_labels: list, test_emb: np.ndarray, k: int = 10) -> list:
    """Majority vote of the k most similar training images; ties go to the larger summed similarity."""
    sims = test_emb @ train_emb.T
    k = min(k, train_emb.shape[0])
    out = []
    for row in sims:
        top = np.argsort(-row, kind='stable')[:k]
        votes = {}
        for j in top:
            n, s = votes.get(train_labels[j], (0, 0.0))
            votes[train_labels[j]] = (n + 1, s + float(row[j]))
        out.append(max(votes.items(), key=lambda kv: kv[1])[0])
    return out
