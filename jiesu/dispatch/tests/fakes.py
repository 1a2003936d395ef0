"""A stand-in for the text classifier with the same interface (version, labels, predict_proba,
predict), driven by keywords, so that routing tests do not depend on a trained model."""

import numpy as np

LABELS = ["交通运输", "劳动和社会保障", "卫生计生", "商贸旅游", "城乡建设", "教育文体", "环境保护"]
KEYWORDS = {"物业": "城乡建设", "漏水": "城乡建设", "公交": "交通运输", "噪音": "环境保护", "工资": "劳动和社会保障"}


class FakeClassifier:
    version = "fake-1"
    labels = LABELS

    def __init__(self, top_probability: float = 0.95):
        self.top_probability = top_probability

    def predict_proba(self, texts):
        rows = []
        for text in texts:
            label = next((lab for word, lab in KEYWORDS.items() if word in text), None)
            if label is None:
                rows.append(np.full(len(LABELS), 1 / len(LABELS)))
                continue
            rest = (1 - self.top_probability) / (len(LABELS) - 1)
            rows.append(np.array([self.top_probability if lab == label else rest for lab in LABELS]))
        return np.vstack(rows) if rows else np.zeros((0, len(LABELS)))

    def predict(self, texts):
        return [LABELS[i] for i in self.predict_proba(texts).argmax(axis=1)]


def no_routing_model():
    """Stand-in for jiesu.dispatch.recommend._routing_model when a test covers the classifier path."""
    from jiesu.dispatch.routing import RoutingModelMissing

    raise RoutingModelMissing("派单模型尚未训练")
