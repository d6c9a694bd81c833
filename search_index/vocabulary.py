"""Word lists the analyzer and the query parser apply: spelling variants and one-way synonyms.

Two lists, kept as data and kept short, each entry argued by what it cannot do wrong:

* :data:`EN_SPELLING_VARIANTS` are one word spelt two ways, British and American. The
  category tree is Google's en-US taxonomy ("Motor Vehicle Tires", "Jewelry", "Aluminum")
  while buyers and feeds in Ukraine learnt British English at school ("tyres", "jewellery",
  "aluminium"). Both spellings name the same thing, so the analyzer folds the British stem onto
  the American one, in the index and in queries alike: this can merge no two things that
  American English does not already write the same. Pairs where the British spelling is also
  another word ("storey"/"story", "draught"/"draft") are left out for that reason.
* :data:`ONE_WAY_SYNONYMS` are other words buyers use for a category whose own name they do
  not type. Russian and Ukrainian speakers call car tyres "резина"/"гума" (rubber) as often as
  "шины"/"шини", and the trade word "покрышка"/"покришка" is the same goods. Applied at query
  time and one way only: "резина" also finds tyres (and still finds rubber goods), while "шина"
  does not start finding rubber mats. Each entry must name goods a buyer typing the word
  expects to see; a looser association ("зима" -> winter tyres) is ranking, not a synonym.

Changing :data:`EN_SPELLING_VARIANTS` changes index terms: bump ``analysis.ANALYSIS_VERSION``.
:data:`ONE_WAY_SYNONYMS` is read at query time only and needs no rebuild.
"""

from __future__ import annotations

__all__ = ["EN_SPELLING_VARIANTS", "ONE_WAY_SYNONYMS"]

#: (British, American) spellings of one word. Only the base form is listed: the analyzer
#: maps the British word's stem onto the American word's, so every inflection sharing the
#: stem ("tyres", "tyre's") follows.
EN_SPELLING_VARIANTS: tuple[tuple[str, str], ...] = (
    ("tyre", "tire"),
    ("colour", "color"),
    ("grey", "gray"),
    ("aluminium", "aluminum"),
    ("jewellery", "jewelry"),
    ("catalogue", "catalog"),
    ("centre", "center"),
    ("metre", "meter"),
    ("litre", "liter"),
    ("fibre", "fiber"),
    ("mould", "mold"),
    ("kerb", "curb"),
    ("plough", "plow"),
    ("pyjamas", "pajamas"),
    ("moustache", "mustache"),
    ("sulphur", "sulfur"),
    ("favourite", "favorite"),
    ("flavour", "flavor"),
    ("armour", "armor"),
    ("odour", "odor"),
    ("vapour", "vapor"),
    ("defence", "defense"),
    ("licence", "license"),
    ("cosy", "cozy"),
    ("organiser", "organizer"),
    ("sanitiser", "sanitizer"),
    ("moisturiser", "moisturizer"),
    ("stabiliser", "stabilizer"),
    ("vaporiser", "vaporizer"),
    ("atomiser", "atomizer"),
)

#: Word -> words it also finds (never the other way round); see the module docstring.
ONE_WAY_SYNONYMS: dict[str, tuple[str, ...]] = {
    # Russian: "зимняя резина", "летняя резина", "покрышки" are how tyres are asked for.
    "резина": ("шина",),
    "покрышка": ("шина",),
    # Ukrainian: "зимова гума", "покришки".
    "гума": ("шина",),
    "покришка": ("шина",),
}
