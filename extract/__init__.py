"""Reading documents and finding entities and relations in them with spaCy.

``extract`` produces ``kg``'s model (``kg.model.Extraction``); it never writes the store.
"""

from extract.compiled import choose

#: how the rule modules run: "compiled", "source", "stale" or "pure" (extract.compiled)
MODE = choose()
