import pytest

from sales_process.engine.classify import KeywordClassifier, normalize

KEYWORDS = {
	"Price": ["太贵", "贵", "too expensive", "price", "价格"],
	"Tender": ["要招标", "招标", "tender", "bidding"],
	"Budget": ["预算不足", "预算", "budget"],
}


@pytest.fixture(scope="module")
def classifier():
	return KeywordClassifier(KEYWORDS)


def test_chinese_matches_without_word_boundaries(classifier):
	assert classifier.best("客户说这个方案太贵了,下个月再说") == "Price"
	assert classifier.best("这个项目我们要招标") == "Tender"


def test_longest_overlapping_keyword_wins(classifier):
	(suggestion,) = classifier.classify("太贵了")
	assert suggestion.keywords == ("太贵",)
	(suggestion,) = classifier.classify("预算不足")
	assert suggestion.keywords == ("预算不足",)


def test_case_and_width_insensitive(classifier):
	assert classifier.best("It is TOO Expensive for us") == "Price"
	assert classifier.best("ＴＯＯ　ＥＸＰＥＮＳＩＶＥ") == "Price"  # full-width letters and space
	assert normalize("Ｂｕｄｇｅｔ") == "budget"


def test_latin_keywords_match_whole_words_only(classifier):
	assert classifier.best("the pricey option") is None
	assert classifier.best("price!") == "Price"
	assert classifier.best("budgetary approval pending") is None


def test_mixed_language_text_ranks_by_hits(classifier):
	suggestions = classifier.classify("Budget is tight, 预算 cut again; also they mentioned the tender")
	assert [(s.category, s.hits) for s in suggestions] == [("Budget", 2), ("Tender", 1)]
	assert suggestions[0].keywords == ("budget", "预算")


def test_ties_keep_the_configured_order(classifier):
	assert [s.category for s in classifier.classify("tender price")] == ["Price", "Tender"]


def test_empty_inputs():
	assert KeywordClassifier({}).classify("太贵") == []
	assert KeywordClassifier({"Price": ["", "  "]}).classify("太贵") == []
	assert KeywordClassifier(KEYWORDS).classify("") == []
	assert KeywordClassifier(KEYWORDS).classify(None) == []


def test_a_keyword_in_two_categories_belongs_to_the_first():
	classifier = KeywordClassifier({"Price": ["贵"], "Other": ["贵", "慢"]})
	assert classifier.best("贵") == "Price"
	assert classifier.best("交货慢") == "Other"


def test_regex_characters_in_keywords_are_literal():
	classifier = KeywordClassifier({"Discount": ["10%+", "c++"]})
	assert classifier.best("they want 10%+ off") == "Discount"
	assert classifier.best("c++ skills") == "Discount"


# several topics in one sentence (issue 10), with the keywords the app ships


@pytest.fixture(scope="module")
def shipped():
	from sales_process.setup.default_objections import DEFAULT_OBJECTION_TYPES

	return KeywordClassifier(
		{row["type_name"]: row["keywords"].splitlines() for row in DEFAULT_OBJECTION_TYPES}
	)


@pytest.mark.parametrize(
	"text, best, also",
	[
		("客户说价格太贵了,要走招标", "Too Expensive", {"Must Go to Tender"}),
		("预算不够,太贵了", "Too Expensive", {"Budget Insufficient"}),
		(
			"太贵了,而且今年没有预算,明年还要公开招标",
			"Too Expensive",
			{"Budget Insufficient", "Must Go to Tender"},
		),
		("Too expensive, and it must go to tender", "Too Expensive", {"Must Go to Tender"}),
		("We are over budget; can you give a discount?", "Too Expensive", {"Budget Insufficient"}),
	],
)
def test_every_topic_of_a_sentence_is_found(shipped, text, best, also):
	categories = shipped.categories(text)
	assert categories[0] == best
	assert also <= set(categories[1:])


def test_overlapping_keywords_count_once(shipped):
	# "太贵了" holds "太贵" and "贵了": one price objection, not two
	(suggestion,) = shipped.classify("太贵了")
	assert suggestion.category == "Too Expensive" and suggestion.hits == 1
	# "预算不够" is budget, and must not also read as something else
	assert shipped.categories("预算不够") == ["Budget Insufficient"]


def test_a_sentence_without_keywords_has_no_topic(shipped):
	assert shipped.categories("下周二上午十点见面") == []
	assert shipped.categories("") == []
