""" "Why am I seeing this": the text is made from the source that proposed the video and the
ranking terms that lifted it most, never from a template that ignores them.

A term's contribution is measured against an ordinary video (lift 1.0): weight × (lift − 1).
The biggest positive one is named ("you often finish videos like this"); when nothing stands
out, only the source is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The engine's source names (recsys.engine.default_sources) and the feed's own.
SOURCE_TEXT = {
    "followed": "Because you follow @{creator}",
    "hashtag": "Because you watch #{detail} videos",
    "carted": "Related to the {detail} you added to your cart",
    "covisit": "People who watched the videos you watched also watched this",
    "next": "Often watched next after videos you watched",
    "next_last": "Often watched right after the last video you watched",
    "als": "Viewers with tastes like yours liked this",
    "trending": "Trending on Clipcart",
    "trending_day": "Trending on Clipcart today",
    "fresh": "New from @{creator}",
    "recent": "Recently posted by @{creator}",
    "popular": "Popular on Clipcart",
    "popular_region": "Popular in {detail}",
}
PERSONAL_SOURCES = frozenset({"covisit", "next", "next_last", "als"})
EXPLORATION_TEXT = {
    "hashtag": "New video shown to a few people into #{detail}",
    "creator": "New from @{detail}, shown to a few people who watch them",
    "category": "New video shown to a few people into {detail}",
    "broad": "New video we're trying with a wider audience",
}
FACTOR_TEXT = {
    "completion": "you'll likely watch it to the end",
    "like": "you'll likely like it",
    "share": "people like you share it",
    "follow": "people like you follow its creator",
    "anchor_click": "people like you tap its products",
    "add_to_cart": "people like you add its products to their cart",
    "purchase": "people like you buy its products",
}


@dataclass(frozen=True)
class Why:
    source: str
    detail: str | None = None
    factors: list[tuple[str, float]] = field(default_factory=list)  # best first

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "detail": self.detail,
            "factors": [{"name": name, "value": round(value, 3)} for name, value in self.factors],
        }


def top_factors(terms: dict[str, float], weights: dict[str, float], n: int = 3):
    """The terms that lifted the video most above an ordinary one, largest first."""
    lifted = {name: term - weights[name] for name, term in terms.items() if name in FACTOR_TEXT}
    ranked = sorted(lifted.items(), key=lambda kv: kv[1], reverse=True)
    return [(name, value) for name, value in ranked[:n] if value > 0]


def text(why: Why, *, creator: str) -> str:
    if why.source.startswith("explore:"):
        kind = why.source.removeprefix("explore:")
        sentence = EXPLORATION_TEXT[kind].format(detail=why.detail)
    else:
        template = SOURCE_TEXT.get(why.source, "Recommended for you")
        sentence = template.format(creator=creator, detail=why.detail)
        if why.source in PERSONAL_SOURCES and why.detail:
            sentence += f" (#{why.detail})"
    if why.factors:
        sentence += f": {FACTOR_TEXT[why.factors[0][0]]}"
    return sentence
