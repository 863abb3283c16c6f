"""The attribute lexicon: how people name each attribute and each value.

Used twice, and the same table for both, so that they cannot drift apart: the simulated
annotators draw their wording from it, and cleaning checks that an instruction names the change
(`names_change`). Each value has phrases (ways to say it, first = plain) and *keys*: words of
which at least one must appear in an instruction that asks for that value.
"""

from __future__ import annotations

import re

_COLOURS = {
    # value: (phrases, keys)
    "black": (["black", "jet black", "dark black"], ["black"]),
    "blue_01": (["light blue", "sky blue", "baby blue"], ["blue"]),
    "blue_02": (["blue", "medium blue", "bright blue"], ["blue"]),
    "blue_03": (["dark blue", "navy blue", "deep blue"], ["blue", "navy"]),
    "gray_01": (["light grey", "pale gray", "very light gray"], ["grey", "gray"]),
    "gray_02": (["grey", "gray", "medium grey"], ["grey", "gray"]),
    "heather": (["dark grey", "charcoal", "slate grey"], ["grey", "gray", "charcoal", "slate"]),
    "pastel_blue": (["pastel blue", "pale blue", "powder blue"], ["blue"]),
    "pastel_green": (["pastel green", "mint green", "mint"], ["green", "mint"]),
    "pastel_orange": (["pastel orange", "peach", "light orange"], ["orange", "peach"]),
    "pastel_yellow": (["pastel yellow", "pale yellow", "cream"], ["yellow", "cream"]),
    "pink": (["pink", "hot pink", "bright pink"], ["pink"]),
    "red": (["red", "bright red", "coral red"], ["red", "coral"]),
    "white": (["white", "pure white", "snow white"], ["white"]),
}
_HAIR_COLOURS = {
    "auburn": (["auburn", "reddish brown", "copper"], ["auburn", "copper", "reddish"]),
    "black": (["black", "jet black", "dark"], ["black", "dark"]),
    "blonde": (["blonde", "dirty blonde", "sandy blonde"], ["blonde", "blond", "sandy"]),
    "blonde_golden": (["golden blonde", "golden", "honey blonde"], ["golden", "gold", "honey"]),
    "brown": (["brown", "chestnut", "medium brown"], ["brown", "chestnut"]),
    "brown_dark": (["dark brown", "chocolate brown", "deep brown"], ["brown", "chocolate"]),
    "pastel_pink": (["pastel pink", "pink", "rose"], ["pink", "rose"]),
    "platinum": (["platinum blonde", "platinum", "very light blonde"], ["platinum", "blonde", "blond"]),
    "red": (["red", "ginger", "fiery red"], ["red", "ginger"]),
    "silver_gray": (["silver", "grey", "silvery gray"], ["silver", "grey", "gray", "silvery"]),
}
_SKIN = {
    "tanned": (["tanned", "orange tan", "sun-tanned"], ["tan", "tanned", "orange"]),
    "yellow": (["yellow", "bright yellow", "lemon yellow"], ["yellow", "lemon"]),
    "pale": (["pale", "very light", "porcelain"], ["pale", "porcelain", "light"]),
    "light": (["light", "fair", "light beige"], ["light", "fair", "beige"]),
    "brown": (["brown", "medium brown", "caramel"], ["brown", "caramel"]),
    "dark_brown": (["dark brown", "deep brown", "darker brown"], ["brown", "dark", "darker", "deep"]),
    "black": (["black", "very dark", "dark"], ["black", "dark"]),
}
_BACKGROUND = {
    "blue": (["blue", "sky blue", "light blue"], ["blue"]),
    "black": (["black", "dark", "pitch black"], ["black", "dark"]),
    "white": (["white", "plain white", "blank white"], ["white"]),
    "navy": (["navy", "navy blue", "dark blue"], ["navy", "blue"]),
    "gray": (["grey", "gray", "medium gray"], ["grey", "gray"]),
    "light_gray": (["light grey", "light gray", "silver"], ["grey", "gray", "silver"]),
    "red": (["red", "coral", "salmon red"], ["red", "coral", "salmon"]),
    "pink": (["pink", "magenta", "hot pink"], ["pink", "magenta"]),
    "orange": (["orange", "tangerine", "bright orange"], ["orange", "tangerine"]),
    "yellow": (["yellow", "sunny yellow", "golden yellow"], ["yellow"]),
    "green": (["green", "mint green", "grass green"], ["green", "mint"]),
    "purple": (["purple", "violet", "lavender"], ["purple", "violet", "lavender"]),
}
_TOP = {
    "big_hair": (["big voluminous hair", "big hair", "huge poofy hair"], ["big", "voluminous", "poofy", "huge"]),
    "bob": (["a bob", "a bob cut", "a short bob"], ["bob"]),
    "bun": (["a bun", "a hair bun", "a top knot"], ["bun", "knot"]),
    "caesar": (["a caesar cut", "a very short crop", "a short cropped cut"], ["caesar", "crop", "cropped"]),
    "caesar_side_part": (["a side part", "a short cut with a side part", "a side-parted caesar"], ["side", "part", "parted"]),
    "curly": (["curly hair", "long curls", "curls"], ["curly", "curls", "curl"]),
    "curvy": (["wavy long hair", "long wavy hair", "curvy hair"], ["wavy", "waves", "curvy"]),
    "dreads": (["dreadlocks", "long dreads", "dreads"], ["dread", "dreads", "dreadlocks", "locs"]),
    "frida": (["a flower crown", "flowers in the hair", "a Frida Kahlo look"], ["flower", "flowers", "frida", "crown"]),
    "frizzle": (["frizzy hair", "a frizz", "frizzled hair"], ["frizzy", "frizz", "frizzled"]),
    "fro": (["an afro", "a big afro", "an afro hairstyle"], ["afro", "fro"]),
    "fro_band": (["an afro with a headband", "a headband", "an afro and a band"], ["headband", "band"]),
    "long_not_too_long": (["shoulder-length hair", "medium length hair", "hair to the shoulders"], ["shoulder", "shoulders", "medium", "length"]),
    "mia_wallace": (["a black bob with bangs", "bangs", "a Mia Wallace cut"], ["bangs", "fringe", "mia", "wallace"]),
    "no_hair": (["no hair", "a bald head", "a shaved head"], ["bald", "shaved", "shave", "no hair"]),
    "shaggy": (["shaggy hair", "messy hair", "a shaggy cut"], ["shaggy", "messy", "shag"]),
    "shaggy_mullet": (["a mullet", "a shaggy mullet", "a mullet haircut"], ["mullet"]),
    "shaved_sides": (["shaved sides", "an undercut", "a shaved-sides cut"], ["shaved", "undercut", "sides"]),
    "short_curly": (["short curly hair", "short curls", "tight curls"], ["curly", "curls", "curl"]),
    "short_dreads_1": (["short dreads", "short dreadlocks", "short twists"], ["dread", "dreads", "dreadlocks", "twists"]),
    "short_dreads_2": (["short spiky dreads", "short locs", "small dreadlocks"], ["dread", "dreads", "dreadlocks", "locs"]),
    "short_flat": (["short flat hair", "a short flat cut", "short straight hair"], ["short", "flat"]),
    "short_round": (["short rounded hair", "a short round cut", "a bowl-ish cut"], ["short", "round", "rounded", "bowl"]),
    "short_waved": (["short wavy hair", "short waves", "a short wavy cut"], ["wavy", "waves", "waved"]),
    "sides": (["hair only on the sides", "a balding top", "thinning hair on top"], ["sides", "balding", "thinning"]),
    "straight_1": (["long straight hair", "straight hair", "long sleek hair"], ["straight", "sleek"]),
    "straight_2": (["long straight brown hair", "long hair", "very long straight hair"], ["long", "straight"]),
    "straight_strand": (["long hair with a strand", "long straight hair with a loose strand", "a strand of hair"], ["strand", "straight", "long"]),
    "twist_long_hair_2": (["long twisted hair", "long twists", "twisted locks"], ["twist", "twists", "twisted"]),
    "wick": (["a John Wick look", "long slicked hair", "shoulder-length slicked-back hair"], ["wick", "slicked", "john"]),
    "hat": (["a hat", "a wide-brimmed hat", "a sun hat"], ["hat", "brim", "brimmed"]),
    "hijab": (["a hijab", "a head scarf", "a headscarf"], ["hijab", "scarf", "headscarf"]),
    "turban": (["a turban", "a head wrap", "a wrapped turban"], ["turban", "wrap"]),
    "winter_hat_1": (["a winter hat", "a beanie", "a knit cap"], ["winter", "beanie", "knit", "cap", "hat"]),
    "winter_hat_2": (["a winter hat with ear flaps", "a trapper hat", "a hat with flaps"], ["winter", "flaps", "trapper", "hat"]),
    "winter_hat_3": (["a bobble hat", "a pom-pom beanie", "a winter hat with a pom pom"], ["bobble", "pom", "beanie", "hat"]),
    "winter_hat_4": (["a slouchy beanie", "a cat-ear beanie", "a winter beanie"], ["beanie", "slouchy", "winter", "hat", "ear"]),
}
_FACIAL_HAIR = {
    "none": (["no facial hair", "a clean shave", "a clean-shaven face"], ["shave", "shaven", "shaved", "clean", "no beard", "no moustache", "no mustache", "no facial hair",
                                                                        "remove", "removed", "get rid", "take off", "without"]),
    "beard_light": (["light stubble", "a light beard", "some stubble"], ["stubble", "light", "beard"]),
    "beard_magestic": (["a huge beard", "a majestic beard", "a long full beard"], ["beard", "huge", "majestic", "full"]),
    "beard_medium": (["a medium beard", "a full beard", "a trimmed beard"], ["beard"]),
    "moustache_fancy": (["a fancy moustache", "a curly mustache", "a handlebar moustache"], ["moustache", "mustache", "handlebar", "stache"]),
    "moustache_magnum": (["a thick moustache", "a big mustache", "a bushy moustache"], ["moustache", "mustache", "stache"]),
}
_EYEBROWS = {
    "none": (["no eyebrows", "no brows", "the eyebrows removed"], ["no eyebrows", "no brows", "remove", "removed", "without", "get rid", "take off", "erase"]),
    "angry": (["angry eyebrows", "furrowed brows", "angled angry brows"], ["angry", "furrowed", "mad", "cross"]),
    "angry_natural": (["natural angry brows", "thick angry eyebrows", "scowling brows"], ["angry", "scowl", "scowling", "mad"]),
    "default": (["normal eyebrows", "neutral eyebrows", "regular brows"], ["normal", "neutral", "regular", "default", "straight"]),
    "default_natural": (["natural eyebrows", "thick natural brows", "relaxed eyebrows"], ["natural", "relaxed", "thick", "normal"]),
    "flat_natural": (["flat eyebrows", "straight flat brows", "level eyebrows"], ["flat", "level", "straight"]),
    "frown_natural": (["frowning eyebrows", "worried brows", "a frown"], ["frown", "frowning", "worried"]),
    "raised_excited": (["raised eyebrows", "excited eyebrows", "lifted brows"], ["raised", "raise", "excited", "lifted", "up"]),
    "raised_excited_natural": (["natural raised brows", "high arched eyebrows", "surprised eyebrows"], ["raised", "arched", "high", "surprised", "excited"]),
    "sad_concerned": (["sad eyebrows", "concerned brows", "worried eyebrows"], ["sad", "concerned", "worried"]),
    "sad_concerned_natural": (["natural sad brows", "droopy sad eyebrows", "concerned natural eyebrows"], ["sad", "concerned", "droopy", "worried"]),
    "unibrow_natural": (["a unibrow", "a monobrow", "joined eyebrows"], ["unibrow", "monobrow", "joined", "one"]),
    "up_down": (["one eyebrow raised", "a raised eyebrow", "skeptical eyebrows"], ["one", "skeptical", "raised", "quizzical"]),
    "up_down_natural": (["one natural brow up", "a quizzical eyebrow", "uneven eyebrows"], ["one", "quizzical", "uneven", "raised"]),
}
_EYES = {
    "closed": (["closed eyes", "eyes shut", "shut eyes"], ["closed", "close", "shut"]),
    "cry": (["crying eyes", "tears", "teary eyes"], ["cry", "crying", "tears", "teary", "tear"]),
    "default": (["normal eyes", "regular eyes", "open eyes"], ["normal", "regular", "open", "default", "plain"]),
    "eye_roll": (["rolling eyes", "an eye roll", "eyes rolled up"], ["roll", "rolling", "rolled"]),
    "happy": (["happy eyes", "smiling eyes", "cheerful eyes"], ["happy", "smiling", "cheerful", "joyful"]),
    "heart": (["heart eyes", "heart-shaped eyes", "love eyes"], ["heart", "hearts", "love"]),
    "side": (["eyes looking sideways", "side-eye", "a sideways glance"], ["side", "sideways", "glance"]),
    "squint": (["squinting eyes", "a squint", "narrowed eyes"], ["squint", "squinting", "narrow", "narrowed"]),
    "surprised": (["surprised eyes", "wide eyes", "shocked eyes"], ["surprised", "wide", "shocked", "big"]),
    "wink": (["a wink", "one eye winking", "winking eyes"], ["wink", "winking"]),
    "wink_wacky": (["a wacky wink", "a goofy wink", "one big eye and a wink"], ["wink", "wacky", "goofy", "winking"]),
    "x_dizzy": (["x eyes", "dizzy eyes", "crossed-out eyes"], ["x", "dizzy", "crossed"]),
}
_MOUTH = {
    "concerned": (["a concerned mouth", "a worried mouth", "an anxious mouth"], ["concerned", "worried", "anxious"]),
    "default": (["a neutral mouth", "a normal mouth", "a slight smile"], ["neutral", "normal", "slight", "default", "regular"]),
    "disbelief": (["an open mouth in disbelief", "a shocked open mouth", "a stunned mouth"], ["disbelief", "shocked", "stunned", "open"]),
    "eating": (["chewing", "a mouth full of food", "an eating face"], ["eating", "chewing", "eat", "food", "chew"]),
    "grimace": (["a grimace", "clenched teeth", "a cringing mouth"], ["grimace", "clenched", "cringe", "cringing", "teeth"]),
    "sad": (["a sad mouth", "a frown", "a downturned mouth"], ["sad", "frown", "downturned", "unhappy"]),
    "scream_open": (["a screaming mouth", "a wide open mouth", "a scream"], ["scream", "screaming", "yell", "yelling", "open"]),
    "serious": (["a serious mouth", "a straight line mouth", "a flat mouth"], ["serious", "straight", "flat", "line"]),
    "smile": (["a big smile", "a grin", "a toothy smile"], ["smile", "smiling", "grin", "grinning"]),
    "tongue": (["the tongue out", "a tongue sticking out", "a playful tongue"], ["tongue"]),
    "twinkle": (["a cheeky smile", "a smirk", "a sly grin"], ["cheeky", "smirk", "sly", "twinkle", "smile"]),
    "vomit": (["vomiting", "a sick face", "throwing up"], ["vomit", "vomiting", "sick", "throwing", "puke", "puking"]),
}
_ACCESSORY = {
    "none": (["no glasses", "nothing on the eyes", "no eyewear"], ["no glasses", "remove", "take off", "without", "no eyewear", "get rid", "nothing"]),
    "eyepatch": (["an eye patch", "a pirate patch", "a patch over one eye"], ["patch", "eyepatch", "pirate"]),
    "kurt": (["big white sunglasses", "Kurt Cobain shades", "white-rimmed shades"], ["white", "kurt", "shades", "sunglasses"]),
    "prescription_01": (["thin glasses", "reading glasses", "wire-frame glasses"], ["glasses", "thin", "reading", "wire", "specs", "spectacles"]),
    "prescription_02": (["thick-rimmed glasses", "nerdy glasses", "black-framed glasses"], ["glasses", "thick", "nerdy", "framed", "specs", "spectacles"]),
    "round": (["round glasses", "circular glasses", "round specs"], ["round", "circular", "glasses"]),
    "sunglasses": (["sunglasses", "dark shades", "aviator sunglasses"], ["sunglasses", "shades", "sunnies"]),
    "wayfarers": (["wayfarers", "square sunglasses", "dark square shades"], ["wayfarer", "wayfarers", "square", "sunglasses", "shades"]),
}
_CLOTHING = {
    "blazer_shirt": (["a blazer over a shirt", "a suit jacket", "a blazer"], ["blazer", "jacket", "suit"]),
    "blazer_sweater": (["a blazer over a sweater", "a jacket and jumper", "a blazer with a sweater"], ["blazer", "jacket", "sweater", "jumper"]),
    "collar_sweater": (["a collared sweater", "a sweater with a collar", "a jumper with a collar"], ["collar", "collared", "sweater", "jumper"]),
    "graphic_shirt": (["a graphic tee", "a printed t-shirt", "a shirt with a print"], ["graphic", "print", "printed", "tee"]),
    "hoodie": (["a hoodie", "a hooded sweatshirt", "a hoody"], ["hoodie", "hooded", "hoody", "hood"]),
    "overall": (["overalls", "dungarees", "a pair of overalls"], ["overall", "overalls", "dungarees"]),
    "shirt_crew_neck": (["a crew neck t-shirt", "a plain round-neck tee", "a crew neck shirt"], ["crew", "round-neck", "round"]),
    "shirt_scoop_neck": (["a scoop neck shirt", "a low scoop-neck top", "a scoop neck tee"], ["scoop", "low"]),
    "shirt_v_neck": (["a v-neck shirt", "a v neck tee", "a v-neck t-shirt"], ["v-neck", "v", "vneck"]),
}
_GRAPHIC = {
    "bat": (["a bat print", "a bat logo", "a bat on it"], ["bat"]),
    "bear": (["a bear print", "a bear face", "a teddy bear on it"], ["bear", "teddy"]),
    "cumbia": (["the word cumbia", "a cumbia print", "cumbia written on it"], ["cumbia"]),
    "deer": (["a deer print", "a deer head", "antlers on it"], ["deer", "antlers", "stag"]),
    "diamond": (["a diamond print", "a diamond", "a gem on it"], ["diamond", "gem"]),
    "hola": (["the word hola", "a hola print", "hola written on it"], ["hola"]),
    "pizza": (["a pizza print", "a pizza slice", "pizza on it"], ["pizza"]),
    "resist": (["the word resist", "a resist slogan", "resist written on it"], ["resist"]),
    "selena": (["a Selena print", "a portrait of Selena", "Selena on it"], ["selena", "portrait", "face", "woman"]),
    "skull": (["a skull print", "a skull", "a skull on it"], ["skull"]),
    "skull_outline": (["an outlined skull", "a skull outline", "a line drawing of a skull"], ["skull", "outline", "outlined"]),
}

VALUES: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "top": _TOP, "hat_color": _COLOURS, "hair_color": _HAIR_COLOURS, "facial_hair": _FACIAL_HAIR,
    "facial_hair_color": _HAIR_COLOURS, "eyebrows": _EYEBROWS, "eyes": _EYES,
    "nose": {"default": (["a normal nose"], ["nose"])}, "mouth": _MOUTH, "skin_color": _SKIN,
    "accessory": _ACCESSORY, "clothing": _CLOTHING, "clothing_color": _COLOURS,
    "shirt_graphic": _GRAPHIC, "background_color": _BACKGROUND,
}

# How people name the attribute itself (the thing that changes).
NOUNS = {
    "top": ["hair", "hairstyle", "haircut", "hairdo", "headwear", "look"],
    "hat_color": ["hat", "cap", "headwear", "head covering"],
    "hair_color": ["hair", "hair colour", "hair color", "locks"],
    "facial_hair": ["facial hair", "beard", "moustache", "whiskers"],
    "facial_hair_color": ["beard", "moustache", "facial hair", "mustache"],
    "eyebrows": ["eyebrows", "brows", "eyebrow shape"],
    "eyes": ["eyes", "eye expression", "gaze"],
    "nose": ["nose"],
    "mouth": ["mouth", "expression", "lips", "face"],
    "skin_color": ["skin", "skin tone", "complexion", "skin colour"],
    "accessory": ["glasses", "eyewear", "accessory", "specs"],
    "clothing": ["clothes", "outfit", "top", "shirt", "clothing"],
    "clothing_color": ["shirt", "clothes", "top", "outfit", "clothing"],
    "shirt_graphic": ["print", "graphic", "shirt design", "logo", "picture on the shirt"],
    "background_color": ["background", "backdrop", "background colour", "circle behind him"],
}

NO_CHANGE = ["no difference", "they look the same", "nothing changed", "both are identical",
             "i see no change", "the two pictures are the same", "no change at all"]
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)?")


def words(text: str) -> list[str]:
    """Lower-case word tokens (hyphenated words kept whole)."""
    return _WORD.findall(text.lower())


def _has(text: str, key: str) -> bool:
    if " " in key:
        return key in " ".join(words(text))
    tokens = set(words(text))
    return key in tokens or key.replace("-", "") in tokens or any(key in t.split("-") for t in tokens)


def names_change(text: str, attribute: str, to_value: str | None) -> bool:
    """True if ``text`` names the change to ``to_value`` of ``attribute`` (None: a no-change pair,
    where the text must say there is no difference)."""
    if to_value is None:
        return any(_has(text, k) for k in ("no difference", "same", "identical", "nothing", "no change"))
    _, keys = VALUES[attribute][to_value]
    return any(_has(text, k) for k in keys)


def phrase_named(text: str, attribute: str, to_value: str) -> int:
    """The length in words of the longest of the value's phrases that ``text`` contains word for
    word (0: none): "short straight hair" names ``short_flat`` by 3 words, ``straight_1`` by 2."""
    joined = f" {' '.join(words(text))} "
    phrases, _ = VALUES[attribute][to_value]
    return max((len(words(p)) for p in phrases if f" {' '.join(words(p))} " in joined), default=0)
