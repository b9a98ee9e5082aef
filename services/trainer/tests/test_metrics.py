import numpy as np
import pytest

from cytoclip_trainer.metrics import (classification_report, knn_predict, per_class_f1, precision_at_k,
                                      recall_at_k)


def test_f1_hand_checked():
    y_true = ['A', 'A', 'A', 'B', 'B', 'C']
    y_pred = ['A', 'A', 'B', 'B', 'C', 'C']
    f1 = per_class_f1(y_true, y_pred, ['A', 'B', 'C'])
    # A: tp2 fp0 fn1 -> 4/5; B: tp1 fp1 fn1 -> 2/4; C: tp1 fp1 fn0 -> 2/3
    assert f1 == pytest.approx({'A': 0.8, 'B': 0.5, 'C': 2 / 3})
    report = classification_report(y_true, y_pred)
    assert report['macroF1'] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert report['accuracy'] == pytest.approx(4 / 6)
    assert report['confusion']['matrix'] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]


def test_f1_is_zero_for_a_region_never_predicted_right():
    assert per_class_f1(['A', 'B'], ['B', 'B'], ['A', 'B']) == pytest.approx({'A': 0.0, 'B': 2 / 3})


def test_recall_at_k_hand_checked():
    scores = np.array([[0.9, 0.1, 0.5],   # own col 0 -> rank 0
                       [0.2, 0.3, 0.8],   # own col 0 -> rank 2
                       [0.4, 0.6, 0.1]])  # own col 2 -> rank 2
    own = [0, 0, 2]
    assert recall_at_k(scores, own, 1) == pytest.approx(1 / 3)
    assert recall_at_k(scores, own, 2) == pytest.approx(1 / 3)
    assert recall_at_k(scores, own, 3) == pytest.approx(1.0)


def test_recall_ties_count_in_the_images_favour():
    assert recall_at_k(np.array([[0.5, 0.5]]), [1], 1) == 1.0


def test_precision_at_k_hand_checked():
    labels = ['A', 'A', 'B', 'B']
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.8, 0.3], [0.1, 0.9]])
    # A's top 2: images 0 (A), 2 (B) -> 0.5; B's top 2: images 3 (B), 1 (A) -> 0.5
    assert precision_at_k(scores, labels, ['A', 'B'], k=2) == pytest.approx(0.5)
    # k larger than the set: top min(k, n) = all 4 -> 0.5 each
    assert precision_at_k(scores, labels, ['A', 'B'], k=10) == pytest.approx(0.5)


def test_knn_majority_then_summed_similarity():
    gallery = np.eye(3)
    labels = ['A', 'B', 'B']
    assert knn_predict(gallery, labels, np.array([[0.9, 0.2, 0.2]]), k=3) == ['B']  # two votes beat one
    assert knn_predict(gallery, labels, np.array([[0.9, 0.2, 0.0]]), k=2) == ['A']  # 1-1 tie: larger summed sim


def test_attainable_precision_counts_regions_with_fewer_than_k_images():
    from cytoclip_trainer.metrics import attainable_precision
    labels = ['A'] * 12 + ['B'] * 3 + ['C'] * 1
    # A can fill its top 10, B only 3 of 10, C 1 of 10.
    assert abs(attainable_precision(labels, ['A', 'B', 'C'], 10) - (1 + 0.3 + 0.1) / 3) < 1e-12
    assert attainable_precision(['A', 'B'], ['A', 'B'], 10) == 0.5
