"""Hotspot topics: the week's rising words grouped by the complaints they occur in together
(no database access).

A graph has one node per rising word and an edge between two words that share at least
``min_together`` of the week's complaints, weighted by the Jaccard index of their complaint sets
(edges below ``min_jaccard`` are dropped: two frequent words meet by chance). Louvain community
detection (networkx, fixed seed, nodes numbered in word order so that no hash order reaches it)
splits the graph; every community of at least two words is a topic. A complaint *carries* a
topic when it contains at least half of its words, and at least two. The same rule
counts the baseline complaints, so the rise compares like with like.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from .detect import Term

SEED = 2026
MIN_TOGETHER = 3  # complaints two words share before they are linked
MIN_JACCARD = 0.3
MIN_CARRIED = 3  # complaints of the week that carry a topic
MAX_TOPICS = 5
MAX_EXAMPLES = 5
LABEL_TERMS = 3


@dataclass(frozen=True)
class Topic:
    terms: tuple[Term, ...]  # by rise (z), strongest first
    week: int  # texts of the week that carry it
    baseline: int  # baseline texts that carry it
    examples: tuple[int, ...]  # indices into the week's texts, most of the words first

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(t.term for t in self.terms)

    @property
    def label(self) -> str:
        return "·".join(self.words[:LABEL_TERMS])


def carries(words: frozenset[str], topic_words: Sequence[str]) -> int:
    """How many of the topic's words the text has, or 0 when it does not carry the topic: at
    least half of them, and at least two (two common words of a big topic, 发生 and 行驶, are
    in many baseline complaints that have nothing to do with it)."""
    n = sum(1 for w in topic_words if w in words)
    return n if n >= max(2, (len(topic_words) + 1) // 2) else 0


def find_topics(
    week_sets: Sequence[frozenset[str]],
    baseline_sets: Sequence[frozenset[str]],
    rising: Sequence[Term],
    *,
    min_together: int = MIN_TOGETHER,
    min_jaccard: float = MIN_JACCARD,
    min_carried: int = MIN_CARRIED,
    max_topics: int = MAX_TOPICS,
) -> list[Topic]:
    """Group ``rising`` (words that rose in ``week_sets`` against ``baseline_sets``) into
    topics, biggest first. Same input, same topics, in every process."""
    import networkx as nx

    by_word = {t.term: t for t in rising}
    words = sorted(by_word)
    index = {w: i for i, w in enumerate(words)}
    docs: list[set[int]] = [set() for _ in words]
    for d, text_words in enumerate(week_sets):
        for w in text_words:
            if w in index:
                docs[index[w]].add(d)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(words)))
    for a, b in combinations(range(len(words)), 2):
        together = len(docs[a] & docs[b])
        if together < min_together:
            continue
        jaccard = together / len(docs[a] | docs[b])
        if jaccard >= min_jaccard:
            graph.add_edge(a, b, weight=jaccard)
    if not graph.number_of_edges():
        return []
    communities = nx.community.louvain_communities(graph, weight="weight", seed=SEED)
    topics = []
    for community in communities:
        if len(community) < 2:
            continue
        terms = sorted((by_word[words[i]] for i in community), key=lambda t: (-t.z, t.term))
        topic_words = [t.term for t in terms]
        hits = [(carries(s, topic_words), d) for d, s in enumerate(week_sets)]
        carried = [(n, d) for n, d in hits if n]
        if len(carried) < min_carried:
            continue
        baseline = sum(1 for s in baseline_sets if carries(s, topic_words))
        # the texts come newest first: most of the topic's words, then the newest
        examples = tuple(d for _, d in sorted(carried, key=lambda x: (-x[0], x[1]))[:MAX_EXAMPLES])
        topics.append(Topic(tuple(terms), len(carried), baseline, examples))
    topics.sort(key=lambda t: (-t.week, t.words))
    return topics[:max_topics]
