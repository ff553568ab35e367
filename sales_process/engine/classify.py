"""Classify free text (visit notes, objections, emails) by keywords in any language.

Matching is case- and width-insensitive (NFKC + casefold: "ＴＯＯ　ＥＸＰＥＮＳＩＶＥ" is
"too expensive"), Chinese keywords match anywhere (no word boundaries), Latin
keywords match whole words, and where keywords overlap the longest wins
("太贵了" is "太贵", not "贵").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_WORDLIKE = re.compile(r"[0-9a-z]")


def normalize(text: str) -> str:
	return unicodedata.normalize("NFKC", text or "").casefold()


@dataclass(frozen=True)
class Suggestion:
	category: str
	hits: int
	keywords: tuple[str, ...]


class KeywordClassifier:
	"""Built once from {category: keywords}; `classify` is then one regex pass per text."""

	def __init__(self, keywords_by_category: Mapping[str, Iterable[str]]):
		self._category_of: dict[str, str] = {}
		for category, keywords in keywords_by_category.items():
			for keyword in keywords:
				key = normalize(keyword).strip()
				if key:
					# the first category to claim a keyword keeps it
					self._category_of.setdefault(key, category)
		ordered = sorted(self._category_of, key=len, reverse=True)
		self._pattern = re.compile("|".join(_pattern_for(k) for k in ordered)) if ordered else None

	def classify(self, text: str) -> list[Suggestion]:
		"""Categories found in the text, most hits first (ties: the order keywords were given)."""
		if self._pattern is None or not text:
			return []
		hits: Counter[str] = Counter()
		found: dict[str, list[str]] = {}
		for match in self._pattern.finditer(normalize(text)):
			keyword = match.group(0)
			category = self._category_of[keyword]
			hits[category] += 1
			if keyword not in found.setdefault(category, []):
				found[category].append(keyword)
		order = list(dict.fromkeys(self._category_of.values()))
		ranked = sorted(hits, key=lambda c: (-hits[c], order.index(c)))
		return [Suggestion(c, hits[c], tuple(found[c])) for c in ranked]

	def categories(self, text: str) -> list[str]:
		"""Every category the text speaks of, best first: one sentence can carry several topics."""
		return [suggestion.category for suggestion in self.classify(text)]

	def best(self, text: str) -> str | None:
		suggestions = self.classify(text)
		return suggestions[0].category if suggestions else None


def _pattern_for(keyword: str) -> str:
	escaped = re.escape(keyword)
	if _WORDLIKE.match(keyword[0]):
		escaped = r"(?<![0-9a-z])" + escaped
	if _WORDLIKE.match(keyword[-1]):
		escaped += r"(?![0-9a-z])"
	return escaped
